/**
 * A lean extension host: activating SynthAD loads VS Code glue and the kernel's host side only, never
 * TensorFlow.js, danfojs or chart.js (those live in the kernel process and the renderer).
 * This file sorts first, so the extension is usually not active yet and activate() is timed from cold;
 * the extension's own timestamps (SynthadApi.activation) split that time into VS Code's part and ours.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { SynthadApi } from '../../src/extension/extension';
import { EXTENSION_ID } from './helpers';

/** Packages the extension host must never load. */
const HEAVY = /[\\/]node_modules[\\/](@tensorflow[\\/]|danfojs|chart\.js[\\/]|@napi-rs[\\/]canvas|koffi[\\/])/;
/**
 * Their names in a bundle's text: a `require("…")` of them (the development build keeps them external)
 * or their code inlined (the production build bundles TensorFlow.js into whichever bundle imports it).
 * The host's own code never needs to name them: comments are stripped from bundles.
 */
const HEAVY_TEXT = /.{0,40}(@tensorflow|tfjs|danfo|chart\.js|Chart\.js|koffi|napi-rs).{0,40}/g;

/** Every module reachable through `children` from the extension's main module (what it required). */
function loadedBy(mainFile: string): string[] {
  const root = require.cache[mainFile];
  assert.ok(root, `${mainFile} is not in require.cache: is this the extension's main module?`);
  const seen = new Set<NodeJS.Module>();
  const stack = [root];
  while (stack.length) {
    const m = stack.pop()!;
    if (seen.has(m)) continue;
    seen.add(m);
    stack.push(...m.children);
  }
  return [...seen].map((m) => m.filename);
}

describe('SynthAD activation (lean extension host)', () => {
  let ext: vscode.Extension<SynthadApi>;
  let mainFile: string;

  before(() => {
    const e = vscode.extensions.getExtension<SynthadApi>(EXTENSION_ID);
    assert.ok(e, `extension ${EXTENSION_ID} is not loaded`);
    ext = e;
    mainFile = require.resolve(path.join(ext.extensionPath, (ext.packageJSON as { main: string }).main));
  });

  it('activates in under 100 ms, loading no TensorFlow.js, danfojs or chart.js', async () => {
    const wasActive = ext.isActive;
    const t0 = performance.now();
    const api = await ext.activate();
    const t1 = performance.now();
    const { moduleLoadStart, moduleLoadEnd, activateStart, activateEnd } = api.activation;
    // Ours: running the bundle's modules, then activate(). VS Code's: the rest of activate()'s round trip
    // (finding the extension, reading the bundle file, creating its context and storage; it calls
    // activate() once both the module and the context are ready).
    const ours = moduleLoadEnd - moduleLoadStart + (activateEnd - activateStart);
    console.log(
      `      activation: ${wasActive ? 'already active; ' : `ext.activate() ${(t1 - t0).toFixed(1)} ms from cold, of which `}` +
        `SynthAD ${ours.toFixed(1)} ms (running the bundle's modules ${(moduleLoadEnd - moduleLoadStart).toFixed(1)} ms, activate() ${(activateEnd - activateStart).toFixed(1)} ms); ` +
        `${path.basename(mainFile)} ${fs.statSync(mainFile).size} bytes`,
    );
    assert.ok(ours < 100, `SynthAD's part of activation took ${ours.toFixed(1)} ms`);
    if (!wasActive) {
      assert.ok(moduleLoadStart >= t0 && activateEnd <= t1, 'the timestamps are not from this activation');
      assert.ok(t1 - t0 < 1000, `activation took ${(t1 - t0).toFixed(1)} ms`);
    }
    const heavy = loadedBy(mainFile).filter((f) => HEAVY.test(f));
    assert.deepEqual(heavy, [], 'the extension host loaded heavy modules');
  });

  it('has no TensorFlow.js, danfojs or chart.js in the host bundle', () => {
    const text = fs.readFileSync(mainFile, 'utf8');
    assert.deepEqual((text.match(HEAVY_TEXT) ?? []).slice(0, 10), [], `${mainFile} names heavy modules`);
    const size = fs.statSync(mainFile).size;
    assert.ok(size < 300 * 1024, `${mainFile} is ${size} bytes`);
    // The bundle's source map (when built with one) names every file inlined into it.
    const map = `${mainFile}.map`;
    if (fs.existsSync(map)) {
      const sources = (JSON.parse(fs.readFileSync(map, 'utf8')) as { sources: string[] }).sources;
      assert.ok(
        sources.some((s) => /src[\\/]extension[\\/]extension\.ts$/.test(s)),
        `${map} is not the extension's source map`,
      );
      const inlined = sources.filter(
        (s) =>
          HEAVY.test(`/${s}`) ||
          /src[\\/]core[\\/](backend|blas|blasMlp|mlp|network|detector|train|charts|png|persist|parallel)\.ts$/.test(s),
      );
      assert.deepEqual(inlined, [], 'heavy modules inlined into the host bundle');
    }
  });

  it('Show Compute Backend asks the kernel process: the host still loads none of them', async () => {
    const detail = await vscode.commands.executeCommand<string>('synthad.showBackend');
    assert.match(detail ?? '', /^(blas|tensorflow|wasm|cpu)\b.*, (\d+ worker threads|1 thread)$/);
    const heavy = loadedBy(mainFile).filter((f) => HEAVY.test(f));
    assert.deepEqual(heavy, [], 'the extension host loaded heavy modules');
  });
});
