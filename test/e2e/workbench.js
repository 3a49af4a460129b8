// Helpers for the scripts that drive the code-server workbench through headless Chromium
// (test/e2e, test/vsix, scripts/screenshot-intellisense.js).
'use strict';

/** Runs a Command Palette command by typing its title and pressing Enter. */
async function command(page, text) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 20000 });
  await page.keyboard.type(text);
  await page.waitForTimeout(700);
  await page.keyboard.press('Enter');
}

/**
 * Polls `inspect(page)` (facts about the frames: canvases with label and painted pixels, reports, ...)
 * until `probe` holds. Charts seen so far are remembered, as VS Code renders outputs only near the
 * viewport; with `scroll`, the notebook is scrolled down once a report is out. Every 30 s it logs what
 * it sees and saves `shot` (a PNG path). `detail(facts)` adds to the timeout's message.
 */
async function waitForFrames(page, inspect, what, probe, ms, { scroll = false, log, shot, detail } = {}) {
  const end = Date.now() + ms;
  let lastReport = Date.now();
  const seen = new Map();
  for (;;) {
    const facts = await inspect(page);
    for (const c of facts.canvases)
      if (!seen.has(c.label) || seen.get(c.label).painted < c.painted) seen.set(c.label, c);
    facts.canvases = [...seen.values()];
    if (probe(facts)) return facts;
    if (scroll && facts.reports.length > 0) {
      await page.mouse.move(900, 1200);
      await page.mouse.wheel(0, 700);
    }
    if (Date.now() - lastReport > 30000) {
      lastReport = Date.now();
      log?.(
        `waiting for ${what}: ${page.frames().length} frames, charts [${facts.canvases.map((c) => `${c.label.slice(0, 20)}:${c.painted}`).join(', ')}], ${facts.reports.length} reports`,
      );
      if (shot) await page.screenshot({ path: shot });
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${detail ? `: ${detail(facts)}` : ''}`);
    await page.waitForTimeout(1000);
  }
}

/** The charts the template notebook draws, by the start of their canvas label. */
const TEMPLATE_CHARTS = ['Training', 'Anomaly scores', 'ROC', 'Precision-recall'];

/**
 * Opens a new template notebook (SynthAD: New Anomaly Detection Notebook), runs all its cells and waits up to
 * 20 min until the report and the four charts have drawn pixels; returns the frames' facts. `command(page,
 * text)` runs a Command Palette command, `waitForFrames(page, what, probe, ms, scroll)` is the caller's
 * `waitForFrames` bound to its `inspect`, `log(text)` reports progress.
 */
async function runTemplateNotebook(page, { command, waitForFrames, log }) {
  await command(page, 'SynthAD: New Anomaly Detection Notebook');
  await page.locator('.notebook-editor:visible').first().waitFor({ timeout: 60000 });
  await page.waitForTimeout(2000);
  const tRun = Date.now();
  await command(page, 'Notebook: Run All');
  log('Run All issued');
  const done = await waitForFrames(
    page,
    'the four charts and the report',
    (f) =>
      f.reports.length >= 1 &&
      TEMPLATE_CHARTS.every((k) => f.canvases.some((c) => c.label.startsWith(k) && c.painted > 0)),
    20 * 60 * 1000,
    true,
  );
  log(`Run All rendered in ${((Date.now() - tRun) / 1000).toFixed(0)} s`);
  await page.waitForTimeout(1500);
  return done;
}

/**
 * Headless Chromium (`chromium`: playwright-core's, `executablePath`: the browser) with one tall page. Console
 * errors and page errors the `noise` pattern does not match are logged and collected in `errors` (each cut to
 * 300 characters), for the caller's "no console errors" check.
 */
async function openBrowser(chromium, executablePath, { noise, log }) {
  const browser = await chromium.launch({
    executablePath,
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
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 2400 } });
    const errors = [];
    const onError = (text) => {
      if (noise.test(text)) return;
      errors.push(text.slice(0, 300));
      log(`console error: ${text.slice(0, 500)}`);
    };
    page.on('console', (m) => {
      if (m.type() === 'error') onError(`${m.text()} @ ${JSON.stringify(m.location())}`);
    });
    page.on('pageerror', (e) => onError(`pageerror: ${e.stack || e.message}`));
    return { browser, page, errors };
  } catch (err) {
    await browser.close().catch(() => {});
    throw err;
  }
}

/**
 * Console errors that come from the offline machine, not from SynthAD. "An unknown error occurred" is logged by
 * an idle workbench here too (seen 16-20 s after start with no command run, right after the failed open-vsx
 * lookup), so it is the marketplace being unreachable, not the extension.
 */
const OFFLINE_NOISE =
  /An unknown error occurred\. Please consult the log|open-vsx|marketplace|telemetry|vsda|ERR_NAME_NOT_RESOLVED|ERR_CONNECTION|Failed to load resource|net::|extensionGallery|update\.code|CSP|service worker|Content Security Policy|ResizeObserver|punycode|\[object Object\]/i;

/**
 * Opens the code-server workbench on port `port` for the folder `workspace`, with this repository (`root`) as the
 * extension under development, and waits until the workbench is there.
 */
async function openWorkbench(page, { port, workspace, root }) {
  const authority = `127.0.0.1:${port}`;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${authority}${root}`],
    ['skipWelcome', 'true'],
  ];
  await page.goto(
    `http://${authority}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
  );
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
}

module.exports = {
  command,
  waitForFrames,
  runTemplateNotebook,
  openBrowser,
  openWorkbench,
  TEMPLATE_CHARTS,
  OFFLINE_NOISE,
};
