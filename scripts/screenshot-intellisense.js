#!/usr/bin/env node
// Screenshot of IntelliSense in a SynthAD notebook: code-server + headless Chromium (the integration
// harness, test/integration/run-code-server.js), driven as a person would: Command Palette -> "SynthAD: New
// Anomaly Detection Notebook", a new code cell at the end, `train.` typed, the completion list with the
// details of `features`. Checks that the list holds the Dataset's members, each once, before it takes the picture.
//
// Usage: npm run build && node scripts/screenshot-intellisense.js [OUT.png]   (default media/intellisense-completion.png)
'use strict';
const fs = require('fs');
const path = require('path');
const h = require('../test/integration/run-code-server.js');
const { command } = require('../test/e2e/workbench.js');

const OUT = path.resolve(process.argv[2] || path.join(h.ROOT, 'media', 'intellisense-completion.png'));
const t0 = Date.now();
const log = (m) => console.log(`[screenshot ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

/** Labels of the rows the suggest widget shows now. */
function suggestLabels(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.suggest-widget.visible .monaco-list-row')].map((r) =>
      (r.querySelector('.label-name') || r).textContent.trim(),
    ),
  );
}

async function main() {
  h.ensureHarness();
  const { chromium } = require(path.join(h.ROOT, '.harness', 'node_modules', 'playwright-core'));
  const port = await h.freePort();
  const dirs = h.prepareTempDir();
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.colorTheme': 'Default Dark Modern',
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        'editor.suggest.showStatusBar': false,
      },
      null,
      2,
    ),
  );
  const server = h.startCodeServer(port, dirs, '');
  let browser;
  let ok = false;
  try {
    await h.waitHealthy(port, server, 60000);
    browser = await chromium.launch({
      executablePath: h.CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const authority = `127.0.0.1:${port}`;
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${h.ROOT}`],
      ['skipWelcome', 'true'],
    ];
    await page.goto(
      `http://${authority}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    );
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForTimeout(4000);
    // The Extension Development Host does not read settings.json's theme: pick it as a person would.
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+T');
    await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 20000 });
    await page.keyboard.type('Dark Modern');
    await page.waitForTimeout(700);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    log('workbench open');

    await command(page, 'SynthAD: New Anomaly Detection Notebook');
    await page.locator('.notebook-editor:visible').first().waitFor({ timeout: 60000 });
    await page.waitForTimeout(3000);
    // The last cell (plot.pr(rep)), then a new code cell below it, in edit mode.
    await page.keyboard.press('Escape');
    await command(page, 'Notebook: Focus Last Cell');
    await page.waitForTimeout(800);
    await command(page, 'Notebook: Insert Code Cell Below');
    await page.waitForTimeout(1500);
    log('new cell at the end');
    const tType = Date.now();
    await page.keyboard.type('train.', { delay: 80 });
    let labels = [];
    const end = Date.now() + 90000;
    while (Date.now() < end) {
      labels = await suggestLabels(page);
      if (labels.includes('rowCount')) break;
      // The first answer waits for the IntelliSense thread (TypeScript and a first check of the notebook).
      if (labels.length === 0 && Date.now() - tType > 8000) await page.keyboard.press('Control+Space');
      await page.waitForTimeout(1000);
    }
    log(`completion list: ${labels.join(', ')} (${Date.now() - tType} ms after typing)`);
    if (!labels.includes('rowCount'))
      throw new Error(`no Dataset members in the completion list: [${labels.join(', ')}]`);
    const doubled = labels.filter((l, i) => labels.indexOf(l) !== i);
    if (doubled.length) throw new Error(`items shown twice: ${doubled.join(', ')}`);
    // Move to `features` (it has documentation), and open the details beside the list (Ctrl+Space toggles
    // them) unless they are open.
    for (let i = 0; i < labels.indexOf('features'); i++) await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(500);
    const details = await page.locator('.suggest-details-container .suggest-details:visible').count();
    if (details === 0) await page.keyboard.press('Control+Space');
    await page.waitForTimeout(1500);
    // Away and back: the details pane lays itself out again with the documentation that arrived meanwhile.
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(800);
    await page.keyboard.press('ArrowUp');
    await page.waitForTimeout(1500);
    const detailText = await page.evaluate(() => (document.querySelector('.suggest-details') || {}).textContent || '');
    log(`details: ${detailText.replace(/\s+/g, ' ').slice(0, 160)}`);
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    await page.screenshot({ path: OUT });
    log(`saved ${path.relative(process.cwd(), OUT) || OUT}`);
    ok = true;
  } catch (err) {
    console.error(err.stack || String(err));
  } finally {
    if (browser) await browser.close().catch(() => {});
    await h.stopCodeServer(server);
    fs.rmSync(dirs.tmp, { recursive: true, force: true });
  }
  process.exit(ok ? 0 : 1);
}

main();
