// Renders a terminal transcript (a file of captured output) as media/demo-terminal.png with headless
// Chromium, for the README.  Usage: node scripts/readme-screenshot.mjs TRANSCRIPT.txt "$ command line"
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const [transcriptFile, commandLine = ''] = process.argv.slice(2);
const text = readFileSync(transcriptFile, 'utf8').trimEnd();
const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const lines = (commandLine ? `$ ${commandLine}\n` : '') + text;
const rows = lines.split('\n').length;
const html = `<!doctype html><meta charset="utf-8"><style>
body { margin: 0; background: #1e1e1e; }
pre { margin: 0; padding: 18px 22px; color: #d4d4d4; font: 14px/1.45 'DejaVu Sans Mono', monospace; white-space: pre; }
</style><pre>${escape(lines)}</pre>`;
const dir = mkdtempSync(join(tmpdir(), 'synthad-shot-'));
writeFileSync(join(dir, 'page.html'), html);
const out = resolve('media/demo-terminal.png');
execFileSync(
  '/usr/bin/chromium',
  [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${join(dir, 'profile')}`,
    '--hide-scrollbars',
    `--window-size=1000,${Math.ceil(rows * 20.3 + 40)}`,
    `--screenshot=${out}`,
    `file://${join(dir, 'page.html')}`,
  ],
  { stdio: 'ignore' },
);
console.log(`wrote ${out}`);
