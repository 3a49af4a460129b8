#!/usr/bin/env node
// npm run bench:responsiveness: trains on NSL-KDD in a notebook cell inside code-server and prints the
// extension host's event-loop lag (p50/p99/max), read from test-artifacts/responsiveness.json.
'use strict';
const path = require('path');
const fs = require('fs');
const { spawnSync } = require('child_process');
const root = path.resolve(__dirname, '..');
const out = path.join(root, 'test-artifacts', 'responsiveness.json');
fs.rmSync(out, { force: true });
const r = spawnSync(process.execPath, [path.join(root, 'test/integration/run-code-server.js')], {
  stdio: 'inherit', env: { ...process.env, SYNTHAD_IT_BENCH: 'responsiveness', SYNTHAD_IT_GREP: 'responsiveness benchmark' },
});
if (!fs.existsSync(out)) { console.error('no figures written'); process.exit(r.status || 1); }
const f = JSON.parse(fs.readFileSync(out, 'utf8'));
console.log(`\n| epochs | cell seconds | lag p50 (ms) | lag p99 (ms) | lag max (ms) |\n|---:|---:|---:|---:|---:|\n| ${f.epochs} | ${f.seconds.toFixed(1)} | ${f.p50Ms} | ${f.p99Ms} | ${f.maxMs} |`);
