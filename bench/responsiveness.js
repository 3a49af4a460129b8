#!/usr/bin/env node
// npm run bench:responsiveness: trains on NSL-KDD in a notebook cell inside code-server and prints the
// extension host's event-loop lag (p50/p99/max), the first result of a new notebook and the host's memory,
// read from test-artifacts/responsiveness.json.
'use strict';
const path = require('path');
const fs = require('fs');
const { spawnSync } = require('child_process');
const root = path.resolve(__dirname, '..');
const out = path.join(root, 'test-artifacts', 'responsiveness.json');
fs.rmSync(out, { force: true });
const r = spawnSync(process.execPath, [path.join(root, 'test/integration/run-code-server.js')], {
  stdio: 'inherit',
  env: { ...process.env, SYNTHAD_IT_BENCH: 'responsiveness', SYNTHAD_IT_GREP: 'responsiveness benchmark' },
});
if (!fs.existsSync(out)) {
  console.error('no figures written');
  process.exit(r.status || 1);
}
const f = JSON.parse(fs.readFileSync(out, 'utf8'));
console.log(
  `\n| epochs | cell seconds | lag p50 (ms) | lag p99 (ms) | lag max (ms) |\n|---:|---:|---:|---:|---:|\n| ${f.epochs} | ${f.seconds.toFixed(1)} | ${f.p50Ms} | ${f.p99Ms} | ${f.maxMs} |`,
);
console.log(
  `\nfirst result of 1 + 1 in a new notebook: ${f.cold.resultMs} ms after it was shown (${f.cold.openMs} ms with opening it; kernel ready after ${f.cold.readyMs} ms); ` +
    `a second new notebook: ${f.warm.resultMs} ms (${f.warm.openMs} ms with opening; kernel ready after ${f.warm.readyMs} ms); ` +
    `Restart Kernel in a settled workbench: kernel ready after ${f.restartMs} ms, 1 + 1 after ${f.restartResultMs} ms`,
);
console.log(
  `extension host RSS: ${f.hostBeforeMB} MB with the notebook open, ${f.hostLoadedMB} MB with NSL-KDD loaded in its kernel, ` +
    `${f.hostTrainedMB} MB after training; the kernel process: ${f.kernelMB} MB`,
);
