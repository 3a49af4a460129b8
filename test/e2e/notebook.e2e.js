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
const wb = require('./workbench.js');

const t0 = Date.now();
const log = (m) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const results = [];
const check = (name, ok, detail = '') => {
  results.push({ name, ok });
  console.log(`  ${ok ? '✔' : '✘'} ${name}${detail ? `: ${detail}` : ''}`);
};
const NOISE = wb.OFFLINE_NOISE;

/** Ctrl+K Ctrl+T (Preferences: Color Theme), then the theme by name. */
async function pickTheme(page, name) {
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 20000 });
  await page.keyboard.type(name);
  await page.waitForTimeout(700);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1500);
  const cls = await page.evaluate(() => document.querySelector('.monaco-workbench').className);
  log(
    `theme ${name}: workbench class ${cls
      .split(' ')
      .filter((c) => /^vs|theme/.test(c))
      .join(' ')}`,
  );
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
          return {
            label: c.getAttribute('aria-label') || '',
            legend: c.dataset.legend || '',
            foreground: c.dataset.foreground || '',
            painted,
            width,
            height,
          };
        });
        const reports = [...document.querySelectorAll('.synthad-report')].map((r) => r.innerText);
        const datasets = [...document.querySelectorAll('.synthad-dataset')].map((r) => r.innerText);
        return {
          canvases,
          reports,
          datasets,
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

const { command } = wb;
const waitForFrames = (page, what, probe, ms, scroll = false) =>
  wb.waitForFrames(page, inspectFrames, what, probe, ms, {
    scroll,
    log,
    shot: path.join(h.ARTIFACTS, 'e2e-waiting.png'),
    detail: (facts) => JSON.stringify({ canvases: facts.canvases.map((c) => c.label), reports: facts.reports.length }),
  });

async function main() {
  h.ensureHarness();
  const { chromium } = require(path.join(h.ROOT, '.harness', 'node_modules', 'playwright-core'));
  const port = await h.freePort();
  const dirs = h.prepareTempDir();
  const settingsFile = path.join(dirs.userData, 'User', 'settings.json');
  const writeSettings = (theme) =>
    fs.writeFileSync(
      settingsFile,
      JSON.stringify(
        {
          'workbench.colorTheme': theme,
          'workbench.startupEditor': 'none',
          'workbench.tips.enabled': false,
          'notebook.output.scrolling': false,
          'security.workspace.trust.enabled': false,
        },
        null,
        2,
      ),
    );
  writeSettings('Default Dark Modern');
  fs.writeFileSync(
    path.join(dirs.workspace, 'hostile.csv'),
    '"<img src=x onerror=window.top.pwned=1>",label\n1,normal\n2,"<script>window.pwned=2</script>"\n3,normal\n4,normal\n',
  );
  const server = h.startCodeServer(port, dirs, '');
  const artifacts = h.ARTIFACTS;
  fs.mkdirSync(artifacts, { recursive: true });
  let browser;
  try {
    await h.waitHealthy(port, server, 60000);
    log(`code-server up on ${port}`);
    const opened = await wb.openBrowser(chromium, h.CHROMIUM, { noise: NOISE, log });
    browser = opened.browser;
    const { page, errors } = opened;
    await wb.openWorkbench(page, { port, workspace: dirs.workspace, root: h.ROOT });
    await page.waitForTimeout(4000);
    log('workbench open');
    // The Extension Development Host does not read settings.json's theme: pick it as a person would.
    await pickTheme(page, 'Dark Modern');

    const done = await wb.runTemplateNotebook(page, { command, waitForFrames, log });
    await page.screenshot({ path: path.join(artifacts, 'notebook-dark.png'), fullPage: false });

    const charts = done.canvases.filter((c) => /^(Training|Anomaly scores|ROC|Precision-recall)/.test(c.label));
    check(
      'every chart canvas has drawn pixels',
      charts.length >= 4 && charts.every((c) => c.painted > 2000),
      charts.map((c) => `${c.label}: ${c.painted} px`).join(', '),
    );
    const reportAuroc = Number((/all\s+\d+\s+(0\.\d{4})/.exec(done.reports[0]) || [])[1]);
    const roc = charts.find((c) => c.label.startsWith('ROC'));
    const legendAuroc = Number((/all anomalies: AUROC (0\.\d{3})/.exec(roc ? roc.legend : '') || [])[1]);
    check(
      "the ROC legend shows the AUROC of the kernel's report",
      reportAuroc > 0 && Math.abs(legendAuroc - reportAuroc) < 0.0006,
      `report ${reportAuroc}, legend ${legendAuroc}`,
    );

    const darkNow = await inspectFrames(page);
    const darkForeground = new Set(darkNow.canvases.map((c) => c.foreground));
    await pickTheme(page, 'Light Modern');
    await page.waitForTimeout(3000);
    const light = await inspectFrames(page);
    const lightCharts = light.canvases.filter((c) => /^(Training|Anomaly scores|ROC|Precision-recall)/.test(c.label));
    const bodyIsLight = await page.evaluate(() => document.querySelector('.monaco-workbench.vs') !== null);
    const bodyWasDark = [...darkForeground].every((f) => f && !lightCharts.some((c) => c.foreground === f));
    check(
      "charts redraw in the light theme with the theme's colours",
      bodyIsLight && bodyWasDark && lightCharts.length >= 2 && lightCharts.every((c) => c.painted > 2000),
      `dark text ${[...darkForeground].join(',')}, light text ${[...new Set(lightCharts.map((c) => c.foreground))].join(',')}`,
    );
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
    const hostile = await waitForFrames(page, 'the hostile dataset preview', (f) => f.hostileText, 120000).catch(() =>
      inspectFrames(page),
    );
    check(
      'hostile column names and categories show as text and run nothing',
      hostile.hostileText && !hostile.pwned && hostile.liveImgs === 0,
      `shown as text: ${hostile.hostileText}, executed: ${hostile.pwned}, live img/script: ${hostile.liveImgs}`,
    );
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
