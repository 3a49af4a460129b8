/**
 * Saving and loading a fitted detector as a folder: `synthad-model.json` (options, encoder, threshold,
 * training summary, weight shapes) and `weights.bin` (little-endian float32, concatenated).
 * A save writes a temporary folder and renames it into place, so a model folder is never half written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Detector, FittedState } from './detector';
import { createNetwork, describeBackend, resolveThreads, selectBackend } from './backend';
import type { Network } from './network';
import { SynthadInputError } from './errors';
import { MODEL_FORMAT_VERSION, SYNTHAD_VERSION } from './version';
import type { DetectorOptions } from './options';
import type { IsolationForestModel } from './iforest';

export const MODEL_FILE = 'synthad-model.json';
export const WEIGHTS_FILE = 'weights.bin';

interface SavedModel {
  readonly format: 'synthad-model';
  readonly formatVersion: number;
  readonly synthadVersion: string;
  readonly savedAt: string;
  readonly options: DetectorOptions;
  readonly encoder: FittedState['encoder'];
  readonly threshold: number;
  readonly summary: FittedState['summary'];
  readonly mlp?: { readonly hidden: ReadonlyArray<number>; readonly activation: string; readonly inputs: number; readonly shapes: number[][] };
  readonly forest?: IsolationForestModel;
  readonly reference?: FittedState['reference'];
}

export async function saveDetector(detector: Detector, dir: string): Promise<void> {
  const state = detector.fitted;
  const target = path.resolve(dir);
  const tmp = `${target}.partial-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    let mlp: SavedModel['mlp'];
    if (state.mlp) {
      const w = state.mlp.getWeights();
      mlp = { ...state.mlp.shape, shapes: w.shapes.map((s) => [...s]) };
      const bytes = Buffer.concat(w.values.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)));
      fs.writeFileSync(path.join(tmp, WEIGHTS_FILE), bytes);
    }
    const saved: SavedModel = {
      format: 'synthad-model', formatVersion: MODEL_FORMAT_VERSION, synthadVersion: SYNTHAD_VERSION,
      savedAt: new Date().toISOString(), options: detector.options, encoder: state.encoder,
      threshold: state.threshold, summary: state.summary, mlp, forest: state.forest,
      ...(state.reference ? { reference: state.reference } : {}),
    };
    fs.writeFileSync(path.join(tmp, MODEL_FILE), JSON.stringify(saved, null, 1));
    replaceDir(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function replaceDir(from: string, to: string): void {
  if (fs.existsSync(to)) {
    if (!fs.existsSync(path.join(to, MODEL_FILE)) && fs.readdirSync(to).length > 0) {
      throw new SynthadInputError(`not a SynthAD model folder and not empty; refusing to replace it`, { file: to });
    }
    const old = `${to}.old-${process.pid}-${Date.now()}`;
    fs.renameSync(to, old);
    fs.renameSync(from, to);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(from, to);
  }
}

/** Reads a saved detector; `compute` picks the backend and threads to score on (default: those it was saved with). */
export async function loadDetector(dir: string, compute: Partial<Pick<DetectorOptions, 'backend' | 'threads'>> = {}): Promise<Detector> {
  const file = path.join(dir, MODEL_FILE);
  if (!fs.existsSync(file)) {
    throw new SynthadInputError(`no ${MODEL_FILE} here: expected a folder written by 'synthad train --out' or saveDetector`, { file: dir });
  }
  let saved: SavedModel;
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedModel;
  } catch (err) {
    throw new SynthadInputError(`not valid JSON (${(err as Error).message})`, { file });
  }
  if (saved.format !== 'synthad-model') throw new SynthadInputError(`not a SynthAD model (format '${String(saved.format)}')`, { file });
  if (saved.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new SynthadInputError(
      `saved in model format ${saved.formatVersion} by SynthAD ${saved.synthadVersion}; this SynthAD ${SYNTHAD_VERSION} reads format ${MODEL_FORMAT_VERSION}`,
      { file },
    );
  }
  const options: DetectorOptions = { ...saved.options };
  if (compute.backend !== undefined) Object.assign(options, { backend: compute.backend });
  if (compute.threads !== undefined) Object.assign(options, { threads: compute.threads });
  let mlp: Network | undefined;
  let computeDetail: string | undefined;
  if (saved.mlp) {
    const choice = await selectBackend(options.backend);
    const threads = resolveThreads(options.threads);
    computeDetail = describeBackend(choice, threads);
    mlp = createNetwork(
      choice,
      { inputs: saved.mlp.inputs, hidden: saved.mlp.hidden, activation: saved.mlp.activation as 'relu' | 'leaky_relu' },
      { shapes: saved.mlp.shapes, values: readWeights(path.join(dir, WEIGHTS_FILE), saved.mlp.shapes) },
      threads,
    );
  }
  return Detector.fromState(options, {
    encoder: saved.encoder, threshold: saved.threshold, summary: saved.summary, mlp, forest: saved.forest, computeDetail,
    ...(saved.reference ? { reference: saved.reference } : {}),
  });
}

function readWeights(file: string, shapes: ReadonlyArray<ReadonlyArray<number>>): Float32Array[] {
  if (!fs.existsSync(file)) throw new SynthadInputError('weights file missing from the model folder', { file });
  const bytes = fs.readFileSync(file);
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const expected = sizes.reduce((a, b) => a + b, 0) * 4;
  if (bytes.length !== expected) {
    throw new SynthadInputError(`expected ${expected} bytes of float32 weights for layers ${JSON.stringify(shapes)}, got ${bytes.length}`, { file });
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const out: Float32Array[] = [];
  let offset = 0;
  for (const n of sizes) { out.push(all.slice(offset, offset + n)); offset += n; }
  return out;
}
