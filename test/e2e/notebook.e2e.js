#!/usr/bin/env node
// Browser test: the template notebook in code-server, driven through the UI in headless Chromium.
// Command Palette -> "SynthAD: New Anomaly Detection Notebook" -> "Notebook: Run All"; then, inside the
// notebook's webview frames: every chart canvas has drawn pixels, the ROC legend shows the AUROC of the
// kernel's report, the console has no errors; the theme switches from dark to light and the charts redraw;
// a notebook with hostile column names and categories runs nothing. Screenshots go to test-artifacts/.
// Ends with `e2e: N passed, N failed`.
'use strict';
const fs = require('fs');
const path = require('path');
const h = require('../integration/run-code-server.js');

const t0 = Date.now();
const log = (m) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const results = [];
const check = (name, ok, detail = '') => {
  results.push({ name, ok });
  console.log(`  ${ok ? '✔' : '✘'} ${name}${detail ? `: ${detail}` : ''}`);
};
// Console errors that come from the offline machine, not from SynthAD.
const NOISE = /open-vsx|marketplace|telemetry|vsda|ERR_NAME_NOT_RESOLVED|ERR_CONNECTION|Failed to load resource|net::|extensionGallery|update\.code|CSP|service worker|Content Security Policy|ResizeObserver|punycode|\[object Object\]/i;

async function command(page, text) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 20000 });
  await page.keyboard.type(text);
  await page.waitForTimeout(700);
  await page.keyboard.press('Enter');
}

/** Facts about SynthAD's charts and reports in every frame of the page. */
async function inspectFrames(page) {
  const out = { canvases: [], reports: [], datasets: [], pwned: false, hostileText: false, liveImgs: 0 };
  for (const frame of page.frames()) {
    let facts;
    try {
      facts = await frame.evaluate(() => {
        const canvases = [...document.querySelectorAll('.synthad-chart canvas')].map((c) => {
          const ctx = c.getContext('2d');
          const { width, height } = c;
          let painted = 0;
          if (ctx && width > 0 && height > 0) {
            const px = ctx.getImageData(0, 0, width, height).data;
            for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
          }
          return { label: c.getAttribute('aria-label') || '', legend: c.dataset.legend || '', painted, width, height };
        });
        const reports = [...document.querySelectorAll('.synthad-report')].map((r) => r.innerText);
        const datasets = [...document.querySelectorAll('.synthad-dataset')].map((r) => r.innerText);
        return {
          canvases, reports, datasets,
          pwned: Boolean(window.pwned || (window.top && window.top.pwned)),
          liveImgs: document.querySelectorAll('.synthad-dataset img, .synthad-dataset script').length,
        };
      });
    } catch {
      continue; // detached or cross-origin frame
    }
    out.canvases.push(...facts.canvases);
    out.reports.push(...facts.reports);
    out.datasets.push(...facts.datasets);
    out.pwned = out.pwned || facts.pwned;
    out.liveImgs += facts.liveImgs;
  }
  out.hostileText = out.datasets.some((d) => d.includes('<img src=x onerror=window.top.pwned=1>'));
  return out;
}

async function waitForFrames(page, what, probe, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const facts = await inspectFrames(page);
    if (probe(facts)) return facts;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ canvases: facts.canvases.map((c) => c.label), reports: facts.reports.length })}`);
    await page.waitForTimeout(1000);
  }
}

async function main() {
  h.ensureHarness();
  const { chromium } = require(path.join(h.ROOT, '.harness', 'node_modules', 'playwright-core'));
  const port = await h.freePort();
  const dirs = h.prepareTempDir();
  const settingsFile = path.join(dirs.userData, 'User', 'settings.json');
  const writeSettings = (theme) => fs.writeFileSync(settingsFile, JSON.stringify({
    'workbench.colorTheme': theme, 'workbench.startupEditor': 'none', 'notebook.output.scrolling': false,
    'security.workspace.trust.enabled': false,
  }, null, 2));
  writeSettings('Default Dark Modern');
  fs.writeFileSync(path.join(dirs.workspace, 'hostile.csv'),
    '"<img src=x onerror=window.top.pwned=1>",label\n1,normal\n2,"<script>window.pwned=2</script>"\n3,normal\n4,normal\n');
  const server = h.startCodeServer(port, dirs, '');
  const artifacts = h.ARTIFACTS;
  fs.mkdirSync(artifacts, { recursive: true });
  let browser;
  try {
    await h.waitHealthy(port, server, 60000);
    log(`code-server up on ${port}`);
    browser = await chromium.launch({ executablePath: h.CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 2400 } });
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error' && !NOISE.test(m.text())) errors.push(m.text().slice(0, 300)); });
    page.on('pageerror', (e) => { if (!NOISE.test(e.message)) errors.push(`pageerror: ${e.message.slice(0, 300)}`); });
    const authority = `127.0.0.1:${port}`;
    const payload = [['extensionDevelopmentPath', `vscode-remote://${authority}${h.ROOT}`], ['skipWelcome', 'true']];
    await page.goto(`http://${authority}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForTimeout(4000);
    log('workbench open');

    await command(page, 'SynthAD: New Anomaly Detection Notebook');
    await page.locator('.notebook-editor:visible').first().waitFor({ timeout: 60000 });
    await page.waitForTimeout(2000);
    const tRun = Date.now();
    await command(page, 'Notebook: Run All');
    log('Run All issued');
    const done = await waitForFrames(page, 'the four charts and the report',
      (f) => f.reports.length >= 1 && ['Training', 'Anomaly scores', 'ROC', 'Precision-recall'].every((k) => f.canvases.some((c) => c.label.startsWith(k) && c.painted > 0)),
      20 * 60 * 1000);
    log(`Run All rendered in ${((Date.now() - tRun) / 1000).toFixed(0)} s`);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(artifacts, 'notebook-dark.png'), fullPage: false });

    const charts = done.canvases.filter((c) => /^(Training|Anomaly scores|ROC|Precision-recall)/.test(c.label));
    check('every chart canvas has drawn pixels', charts.length >= 4 && charts.every((c) => c.painted > 2000),
      charts.map((c) => `${c.label}: ${c.painted} px`).join(', '));
    const reportAuroc = Number((/all\s+\d+\s+(0\.\d{4})/.exec(done.reports[0]) || [])[1]);
    const roc = charts.find((c) => c.label.startsWith('ROC'));
    const legendAuroc = Number((/all anomalies: AUROC (0\.\d{3})/.exec(roc ? roc.legend : '') || [])[1]);
    check('the ROC legend shows the AUROC of the kernel\'s report', reportAuroc > 0 && Math.abs(legendAuroc - reportAuroc) < 0.0006,
      `report ${reportAuroc}, legend ${legendAuroc}`);

    writeSettings('Default Light Modern');
    await page.waitForTimeout(5000);
    const light = await inspectFrames(page);
    const lightCharts = light.canvases.filter((c) => /^(Training|Anomaly scores|ROC|Precision-recall)/.test(c.label));
    const bodyIsLight = await page.evaluate(() => document.body.classList.contains('vs') || document.querySelector('.monaco-workbench.vs') !== null);
    check('charts redraw in the light theme', bodyIsLight && lightCharts.length >= 4 && lightCharts.every((c) => c.painted > 2000));
    await page.screenshot({ path: path.join(artifacts, 'notebook-light.png'), fullPage: false });

    // Hostile names: a dataset whose column name and categories are HTML.
    await command(page, 'SynthAD: Load Dataset');
    await page.waitForTimeout(1000);
    await page.keyboard.press('Enter'); // "Browse…" is first; an absolute path is typed in the simple dialog
    await page.waitForTimeout(1500);
    await page.keyboard.press('Control+A');
    await page.keyboard.type(path.join(dirs.workspace, 'hostile.csv'));
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    await page.keyboard.type('label');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1000);
    await page.keyboard.type('normal');
    await page.keyboard.press('Enter');
    const hostile = await waitForFrames(page, 'the hostile dataset preview', (f) => f.hostileText, 120000).catch(() => inspectFrames(page));
    check('hostile column names and categories show as text and run nothing', hostile.hostileText && !hostile.pwned && hostile.liveImgs === 0,
      `shown as text: ${hostile.hostileText}, executed: ${hostile.pwned}, live img/script: ${hostile.liveImgs}`);
    await page.screenshot({ path: path.join(artifacts, 'notebook-hostile.png') });

    check('no console errors', errors.length === 0, errors.slice(0, 5).join(' | '));
  } catch (err) {
    console.error(err.stack || String(err));
    check('browser test ran to the end', false, err.message);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await h.stopCodeServer(server);
  }
  const passed = results.filter((r) => r.ok).length;
  console.log(`e2e: ${passed} passed, ${results.length - passed} failed`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

main();
