#!/usr/bin/env node
// The packaged extension, as a user gets it: the linux-x64 VSIX (built with scripts/package.mjs when missing
// or older than its sources) installed with `code-server --install-extension` into a clean profile (fresh
// --extensions-dir and --user-data-dir, no extensionDevelopmentPath, no node_modules but the VSIX's), then
// driven through the workbench UI in headless Chromium:
//   - the VSIX is under 25 MB and holds only its target's native modules;
//   - the extension view shows the icon and README images that load; the walkthrough lists its steps;
//   - the template notebook (SynthAD: New Anomaly Detection Notebook, Notebook: Run All) renders the
//     report and the four charts;
//   - saved, the notebook holds a PNG per chart (drawn by @napi-rs/canvas from the VSIX);
//   - danfojs (dist/danfo.js) loads in a cell and shares the kernel's TensorFlow.js; the MLP trains on the BLAS
//     through koffi where the machine has one;
//   - IntelliSense (TypeScript bundled) completes the cell API, where the manifest has a TypeScript server plugin.
// Ends with `vsix: N passed, N failed`. SYNTHAD_VSIX=FILE tests that file as it is (no rebuild).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { pathToFileURL } = require('url');
const h = require('../integration/run-code-server.js');
const wb = require('../e2e/workbench.js');

const ROOT = h.ROOT;
const TARGET = 'linux-x64';
const BUDGET_BYTES = 25 * 1024 * 1024;
const CODE_SERVER_ENTRY = path.join(ROOT, '.harness', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

const t0 = Date.now();
const log = (m) => console.log(`[vsix ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const results = [];
const check = (name, ok, detail = '') => {
  results.push({ name, ok: Boolean(ok) });
  console.log(`  ${ok ? '✔' : '✘'} ${name}${detail ? `: ${detail}` : ''}`);
};
// Console errors of the offline machine, not of SynthAD (OFFLINE_NOISE in test/e2e/workbench.js), and VS Code's own
// cancellations (Quick Open cancels its file search at every key typed: "Canceled: Error: Canceled").
const NOISE = new RegExp(`Canceled: Error: Canceled|${wb.OFFLINE_NOISE.source}`, 'i');

/** Newest modification time of the files under these paths, less what `npm run build` writes (media/renderer.js). */
function newest(paths) {
  let t = 0;
  const visit = (p) => {
    if (!fs.existsSync(p) || /[\\/]media[\\/]renderer\.js(\.map)?$/.test(p)) return;
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    else t = Math.max(t, st.mtimeMs);
  };
  paths.forEach((p) => visit(path.join(ROOT, p)));
  return t;
}

/** The VSIX to test: SYNTHAD_VSIX, or the linux-x64 one, packaged again when missing or stale. */
function ensureVsix() {
  if (process.env.SYNTHAD_VSIX) return path.resolve(process.env.SYNTHAD_VSIX);
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  const vsix = path.join(ROOT, `synthad-${TARGET}-${version}.vsix`);
  const sources = newest([
    'src',
    'media',
    'samples',
    'package.json',
    'package-lock.json',
    'README.md',
    'CHANGELOG.md',
    'LICENSE',
    '.vscodeignore',
    'scripts/bundle.mjs',
    'scripts/package.mjs',
  ]);
  if (fs.existsSync(vsix) && fs.statSync(vsix).mtimeMs >= sources) {
    log(`${path.basename(vsix)} is up to date`);
    return vsix;
  }
  log(
    `${fs.existsSync(vsix) ? 'sources are newer than' : 'no'} ${path.basename(vsix)}: node scripts/package.mjs --target ${TARGET}`,
  );
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), '--target', TARGET], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const lines = (r.stdout || '').trim().split('\n');
  lines.filter((l) => /^\[package|\.vsix:/.test(l)).forEach((l) => console.log(`  ${l}`));
  if (r.status !== 0 || !fs.existsSync(vsix)) throw new Error(`scripts/package.mjs failed (exit ${r.status})`);
  return vsix;
}

/** Runs a command from the Command Palette, once the highlighted entry is that command (else tries again). */
async function command(page, text) {
  const want = text.toLowerCase().replace(/…$/, '');
  let focused = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 20000 });
    await page.keyboard.type(text);
    for (let i = 0; i < 20; i++) {
      await page.waitForTimeout(250);
      focused = await page
        .locator('.quick-input-widget .monaco-list-row.focused')
        .first()
        .innerText({ timeout: 1000 })
        .catch(() => '');
      if (focused.toLowerCase().includes(want)) {
        await page.keyboard.press('Enter');
        return;
      }
    }
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
  }
  throw new Error(`the Command Palette did not offer "${text}" (highlighted: "${focused.replace(/\s+/g, ' ')}")`);
}

/** Facts about SynthAD's outputs and images in every frame of the page. */
async function inspectFrames(page) {
  const out = { canvases: [], reports: [], texts: [], images: [] };
  for (const frame of page.frames()) {
    let facts;
    try {
      facts = await frame.evaluate(() => ({
        canvases: [...document.querySelectorAll('.synthad-chart canvas')].map((c) => {
          const ctx = c.getContext('2d');
          let painted = 0;
          if (ctx && c.width > 0 && c.height > 0) {
            const px = ctx.getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
          }
          return { label: c.getAttribute('aria-label') || '', legend: c.dataset.legend || '', painted };
        }),
        reports: [...document.querySelectorAll('.synthad-report')].map((r) => r.innerText),
        text: document.body ? document.body.innerText : '',
        images: [...document.querySelectorAll('img')].map((i) => ({
          src: (i.getAttribute('src') || '').slice(0, 200),
          width: i.naturalWidth,
        })),
      }));
    } catch {
      continue; // detached or cross-origin frame
    }
    out.canvases.push(...facts.canvases);
    out.reports.push(...facts.reports);
    out.texts.push(facts.text);
    out.images.push(...facts.images);
  }
  return out;
}

const waitForFrames = (page, what, probe, ms, scroll = false) =>
  wb.waitForFrames(page, inspectFrames, what, probe, ms, {
    scroll,
    log,
    shot: path.join(h.ARTIFACTS, 'vsix-waiting.png'),
  });

/** A notebook with the SynthAD kernelspec whose one cell uses danfojs with the kernel's tf. */
function danfoNotebook() {
  return JSON.stringify(
    {
      cells: [
        {
          cell_type: 'code',
          execution_count: null,
          metadata: {},
          outputs: [],
          source: [
            'const df = new dfd.DataFrame({ a: [1, 2, 3], b: [4, 5, 6] });\n',
            // The paper's MLP (the default detector trains trees): where it computes, BLAS through koffi or wasm.
            "const thy = await load('samples/thyroid-train.csv', { label: 'class', normal: 'normal' });\n",
            "const mlp = await new Detector({ method: 'vcsa', known: ['hyperfunction'], epochs: 2, hidden: [16], seed: 0 }).fit(thy);\n",
            "`danfo-check ${df.shape.join('x')} shared-tf=${df.tensor instanceof tf.Tensor} sum=${df.tensor.sum().dataSync()[0]} mlp-on=${mlp.fitted.summary.backendDetail}`",
          ],
        },
      ],
      metadata: {
        kernelspec: { name: 'synthad', display_name: 'SynthAD (TypeScript)', language: 'typescript' },
        language_info: { name: 'typescript' },
      },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
}

async function main() {
  h.ensureHarness();
  fs.mkdirSync(h.ARTIFACTS, { recursive: true });
  const vsix = ensureVsix();

  // 1. The file itself.
  const { zipEntries } = await import(pathToFileURL(path.join(ROOT, 'scripts', 'package.mjs')).href);
  const size = fs.statSync(vsix).size;
  const files = zipEntries(vsix)
    .filter((e) => !e.name.endsWith('/'))
    .map((e) => e.name);
  log(`${path.basename(vsix)}: ${(size / 1024 / 1024).toFixed(1)} MB, ${files.length} files`);
  check(
    `the VSIX is under ${BUDGET_BYTES / 1024 / 1024} MB`,
    size < BUDGET_BYTES,
    `${(size / 1024 / 1024).toFixed(1)} MB, ${files.length} files`,
  );
  const modules = [
    ...new Set(
      files
        .filter((f) => f.startsWith('extension/node_modules/'))
        .map((f) =>
          f
            .split('/')
            .slice(2, f.split('/')[2].startsWith('@') ? 4 : 3)
            .join('/'),
        ),
    ),
  ].sort();
  const natives = files.filter((f) => f.endsWith('.node'));
  // The native modules, and the TypeScript server plugins that tsserver loads by name from node_modules.
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const plugins = ((manifest.contributes && manifest.contributes.typescriptServerPlugins) || []).map((p) => p.name);
  const wantModules = [
    '@koromix/koffi-linux-x64',
    '@napi-rs/canvas',
    '@napi-rs/canvas-linux-x64-gnu',
    'koffi',
    ...plugins,
  ].sort();
  check(
    `its node_modules are koffi and @napi-rs/canvas with the linux-x64 binaries only${plugins.length ? `, and ${plugins.join(', ')}` : ''}`,
    JSON.stringify(modules) === JSON.stringify(wantModules) &&
      natives.length === 2 &&
      natives.every((f) => /linux[-_]x64/.test(f)),
    `${modules.join(', ')}; ${natives.map((f) => path.basename(path.dirname(f)) + '/' + path.basename(f)).join(', ')}`,
  );

  // 2. A clean profile: fresh user data and extensions folders, the VSIX installed by code-server itself.
  const dirs = h.prepareTempDir();
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.colorTheme': 'Default Dark Modern',
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'notebook.output.scrolling': false,
        'security.workspace.trust.enabled': false,
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
      },
      null,
      2,
    ),
  );
  fs.writeFileSync(path.join(dirs.workspace, 'danfo.ipynb'), danfoNotebook());
  const tInstall = Date.now();
  const install = spawnSync(
    process.execPath,
    [
      CODE_SERVER_ENTRY,
      '--config',
      dirs.config,
      '--user-data-dir',
      dirs.userData,
      '--extensions-dir',
      dirs.extensions,
      '--install-extension',
      vsix,
    ],
    { encoding: 'utf8', timeout: 120000 },
  );
  const installed = fs.readdirSync(dirs.extensions).filter((d) => d.startsWith('synthad.synthad-'));
  const extDir = installed.length === 1 ? path.join(dirs.extensions, installed[0]) : undefined;
  check(
    'code-server --install-extension installs it into a fresh extensions folder',
    install.status === 0 && extDir && fs.existsSync(path.join(extDir, 'dist', 'extension.js')),
    `exit ${install.status}, ${installed.join(', ') || 'nothing installed'} in ${((Date.now() - tInstall) / 1000).toFixed(1)} s${install.status === 0 ? '' : `: ${(install.stderr || install.stdout || '').trim().slice(-300)}`}`,
  );
  if (!extDir) throw new Error('the extension was not installed');

  const port = await h.freePort();
  const server = h.startCodeServer(port, dirs, '');
  let browser;
  let page;
  try {
    await h.waitHealthy(port, server, 60000);
    log(`code-server up on ${port}`);
    const { chromium } = require(path.join(ROOT, '.harness', 'node_modules', 'playwright-core'));
    const opened = await wb.openBrowser(chromium, h.CHROMIUM, { noise: NOISE, log });
    ({ browser, page } = opened);
    const { errors } = opened;
    // No payload: the extension comes from the extensions folder, as for a user.
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForTimeout(4000);
    log('workbench open');

    // 3. The extension view: icon, preview flag and the README's images.
    await page.keyboard.press('Control+Shift+X');
    await page.waitForTimeout(2500);
    await page.keyboard.type('@installed synthad');
    const item = page.locator('.extension-list-item:has-text("SynthAD")').first();
    await item.waitFor({ timeout: 30000 });
    await item.click();
    const details = await waitForFrames(
      page,
      'the README in the extension view',
      (f) => f.images.filter((i) => i.src.startsWith('data:image/') && i.width > 0).length >= 4,
      60000,
    ).catch(() => inspectFrames(page));
    const readmeImages = details.images.filter((i) => i.src.startsWith('data:image/') || /^media\//.test(i.src));
    const icon = await page
      .locator('.extension-editor .icon-container img')
      .first()
      .evaluate((i) => i.naturalWidth)
      .catch(() => 0);
    const preview = await page
      .locator('.extension-editor .preview')
      .first()
      .isVisible()
      .catch(() => false);
    check(
      'the extension view shows the icon, the Preview flag and every README image',
      icon > 0 && preview && readmeImages.length >= 4 && readmeImages.every((i) => i.width > 0),
      `icon ${icon} px wide, preview ${preview}, README images ${readmeImages.map((i) => i.width).join(', ') || 'none'}`,
    );
    await page.screenshot({ path: path.join(h.ARTIFACTS, 'vsix-extension-view.png') });
    await command(page, 'View: Close All Editors');
    await page.waitForTimeout(1000);

    // 4. The walkthrough.
    await command(page, 'Welcome: Open Walkthrough');
    await page.waitForTimeout(1500);
    await page.keyboard.type('Get started with SynthAD');
    await page.waitForTimeout(1000);
    await page.keyboard.press('Enter');
    const steps = [
      'Open the template notebook',
      'Load your own CSV',
      'Train a detector',
      'Read the charts',
      'Share the notebook',
    ];
    let walkText = '';
    for (let i = 0; i < 20 && !steps.every((s) => walkText.includes(s)); i++) {
      await page.waitForTimeout(1000);
      walkText = await page.evaluate(() => document.body.innerText);
    }
    const media = await waitForFrames(
      page,
      'the walkthrough step media',
      (f) => f.texts.some((t) => t.includes('Run All')),
      20000,
    ).catch(() => inspectFrames(page));
    check(
      'the walkthrough "Get started with SynthAD" shows its five steps and the first step\'s markdown',
      walkText.includes('Get started with SynthAD') &&
        steps.every((s) => walkText.includes(s)) &&
        media.texts.some((t) => t.includes('The template notebook')),
      steps
        .filter((s) => !walkText.includes(s))
        .map((s) => `missing "${s}"`)
        .join(', ') || 'all steps shown',
    );
    await page.screenshot({ path: path.join(h.ARTIFACTS, 'vsix-walkthrough.png') });
    await command(page, 'View: Close All Editors');
    await page.waitForTimeout(1000);

    // 5. The template notebook, Run All, to the report and the charts.
    const done = await wb.runTemplateNotebook(page, { command, waitForFrames, log });
    await page.screenshot({ path: path.join(h.ARTIFACTS, 'vsix-notebook.png') });
    // The live training chart is redrawn (and relabelled) every few epochs: keep the last of each kind.
    const kinds = wb.TEMPLATE_CHARTS;
    const charts = kinds.map((k) => done.canvases.filter((c) => c.label.startsWith(k)).pop()).filter(Boolean);
    check(
      'the template notebook renders the report and four charts with drawn pixels',
      charts.length >= 4 && charts.every((c) => c.painted > 2000),
      charts.map((c) => `${c.label.slice(0, 24)}: ${c.painted} px`).join(', '),
    );
    const reportAuroc = Number((/all\s+\d+\s+(0\.\d{4})/.exec(done.reports[0]) || [])[1]);
    const roc = charts.find((c) => c.label.startsWith('ROC'));
    const legendAuroc = Number((/all anomalies: AUROC (0\.\d{3})/.exec(roc ? roc.legend : '') || [])[1]);
    check(
      "the metrics: the report's AUROC is the ROC legend's",
      reportAuroc > 0.5 && Math.abs(legendAuroc - reportAuroc) < 0.0006,
      `report ${reportAuroc}, legend ${legendAuroc}`,
    );
    // 6. Save it: the .ipynb holds a PNG per chart, drawn in the kernel by @napi-rs/canvas from the VSIX.
    const saved = path.join(dirs.workspace, 'template-saved.ipynb');
    await page.keyboard.press('Control+S');
    await page.waitForTimeout(1500);
    await page.keyboard.press('Control+A');
    await page.keyboard.type(saved);
    await page.keyboard.press('Enter');
    let pngs = 0,
      pngBytes = [],
      readError = '';
    for (let i = 0; i < 40; i++) {
      await page.waitForTimeout(500);
      try {
        const nb = JSON.parse(fs.readFileSync(saved, 'utf8')); // may be half written: then try again
        pngs = 0;
        pngBytes = [];
        for (const cell of nb.cells)
          for (const o of cell.outputs || []) {
            const png = o.data && o.data['image/png'];
            if (png) {
              pngs++;
              pngBytes.push(Buffer.from(Array.isArray(png) ? png.join('') : png, 'base64').length);
            }
          }
        break;
      } catch (err) {
        readError = err.message;
      }
    }
    if (pngs === 0 && readError) log(`reading ${saved}: ${readError}`);
    check(
      'saved, the notebook holds a PNG of every chart (drawn by @napi-rs/canvas)',
      pngs >= 4 && pngBytes.every((b) => b > 5000),
      fs.existsSync(saved)
        ? `${pngs} PNG outputs (${pngBytes.map((b) => `${(b / 1024).toFixed(0)} KB`).join(', ')})`
        : 'the notebook was not saved',
    );
    log('closing the editors');
    await command(page, 'View: Close All Editors');
    await page.waitForTimeout(1500);

    // 7. danfojs, loaded lazily from dist/danfo.js, with the kernel's TensorFlow.js.
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 20000 });
    await page.keyboard.type('danfo.ipynb');
    await page.waitForTimeout(1000);
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active:has-text("danfo.ipynb")').first().waitFor({ timeout: 60000 });
    await page.locator('.notebook-editor:visible').first().waitFor({ timeout: 60000 });
    await page.waitForTimeout(1500);
    // Focus the notebook (Notebook: Run All is offered only then), in command mode.
    await page.locator('.notebook-editor:visible .cell-editor-container').first().click();
    await page.keyboard.press('Escape');
    await page.waitForTimeout(500);
    await command(page, 'Notebook: Run All');
    await page.waitForTimeout(2000);
    // Should VS Code ask for a kernel (the kernelspec normally picks SynthAD), pick it.
    if (
      await page
        .locator('.quick-input-widget:not([style*="display: none"])')
        .isVisible()
        .catch(() => false)
    ) {
      log('kernel picker shown: choosing SynthAD');
      await page.keyboard.type('SynthAD');
      await page.waitForTimeout(800);
      await page.keyboard.press('Enter');
    }
    const danfo = await waitForFrames(
      page,
      'the danfojs cell',
      (f) => f.texts.some((t) => /danfo-check \d/.test(t)),
      120000,
    ).catch(() => inspectFrames(page));
    const danfoLine = (danfo.texts.join('\n').match(/danfo-check \d[^\n'"]*/) || [''])[0];
    const editorText = await page.evaluate(
      () => (document.querySelector('.notebook-editor:not([style*="display: none"])') || document.body).innerText,
    );
    check(
      "danfojs loads in a cell and shares the kernel's TensorFlow.js",
      /danfo-check 3x2 shared-tf=true sum=21/.test(danfoLine),
      danfoLine || `no output; editor shows: ${editorText.replace(/\s+/g, ' ').slice(-300)}`,
    );
    // Where the MLP trained: blas (koffi from the VSIX) when the machine has a BLAS, else wasm (tfjs-backend-wasm bundled).
    const hasBlas = /libopenblas\.so\.0|libblas\.so\.3|libmkl_rt/.test(
      spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout || '',
    );
    const where = (/mlp-on=.*/.exec(danfoLine) || [''])[0];
    check(
      `the MLP trained on ${hasBlas ? 'the BLAS through koffi' : 'wasm (no BLAS on this machine)'}`,
      hasBlas ? /^mlp-on=blas\b/.test(where) : /^mlp-on=wasm\b/.test(where),
      where.slice(0, 200) || 'no "mlp-on=BACKEND" in the cell output',
    );
    await page.screenshot({ path: path.join(h.ARTIFACTS, 'vsix-danfo.png') });

    // 8. IntelliSense from the package (TypeScript bundled into dist/intellisense.js, its lib files next
    // to it, the cell API's declarations in dist/types): `Detector.` completes with the static `load`.
    if (plugins.length > 0) {
      await page.locator('.notebook-editor:visible .cell-editor-container .view-lines').first().click();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
      await page.keyboard.type('Detector.');
      let labels = [];
      for (let i = 0; i < 30 && !labels.includes('load'); i++) {
        if (i % 10 === 5) await page.keyboard.press('Control+Space');
        await page.waitForTimeout(1000);
        labels = await page
          .locator('.suggest-widget .monaco-list-row .label-name')
          .allInnerTexts()
          .catch(() => []);
      }
      check(
        'IntelliSense in a cell: `Detector.` offers `load`',
        labels.includes('load'),
        labels.slice(0, 8).join(', ') || 'no suggestions',
      );
      await page.screenshot({ path: path.join(h.ARTIFACTS, 'vsix-intellisense.png') });
      await page.keyboard.press('Escape');
    }

    check('no console errors', errors.length === 0, errors.slice(0, 5).join(' | '));
  } catch (err) {
    console.error(err.stack || String(err));
    check('the VSIX test ran to the end', false, err.message);
    if (page) await page.screenshot({ path: path.join(h.ARTIFACTS, 'vsix-error.png') }).catch(() => {});
  } finally {
    if (browser) await browser.close().catch(() => {});
    await h.stopCodeServer(server);
  }
  const ok = results.every((r) => r.ok);
  if (ok && process.env.SYNTHAD_IT_KEEP !== '1') fs.rmSync(dirs.tmp, { recursive: true, force: true });
  else log(`temp folder kept: ${dirs.tmp}`);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const passed = results.filter((r) => r.ok).length;
  console.log(`vsix: ${passed} passed, ${results.length - passed} failed`);
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error(err.stack || String(err));
  const passed = results.filter((r) => r.ok).length;
  console.log(`vsix: ${passed} passed, ${results.length - passed + 1} failed`);
  process.exit(1);
});
