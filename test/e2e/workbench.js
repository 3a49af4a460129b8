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
    for (const c of facts.canvases) if (!seen.has(c.label) || seen.get(c.label).painted < c.painted) seen.set(c.label, c);
    facts.canvases = [...seen.values()];
    if (probe(facts)) return facts;
    if (scroll && facts.reports.length > 0) {
      await page.mouse.move(900, 1200);
      await page.mouse.wheel(0, 700);
    }
    if (Date.now() - lastReport > 30000) {
      lastReport = Date.now();
      log?.(`waiting for ${what}: ${page.frames().length} frames, charts [${facts.canvases.map((c) => `${c.label.slice(0, 20)}:${c.painted}`).join(', ')}], ${facts.reports.length} reports`);
      if (shot) await page.screenshot({ path: shot });
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${detail ? `: ${detail(facts)}` : ''}`);
    await page.waitForTimeout(1000);
  }
}

module.exports = { command, waitForFrames };
