// Preloaded with `node -r bench/peak-rss.js …` (bench/scale.js, test/unit/score-stream.test.ts): prints the
// process's peak resident memory on stderr as it exits: `peak RSS 123.4 MB` (VmHWM on Linux, else maxRSS).
'use strict';
const fs = require('fs');
process.on('exit', () => {
  let mb;
  try {
    const m = /VmHWM:\s*(\d+)\s*kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) mb = Number(m[1]) / 1024;
  } catch {
    /* not Linux */
  }
  if (mb === undefined) mb = process.resourceUsage().maxRSS / 1024;
  process.stderr.write(`peak RSS ${mb.toFixed(1)} MB\n`);
});
