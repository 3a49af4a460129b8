#!/usr/bin/env node
// Runs every test suite the project has and ends with one line `N passed, N failed`.
// Suites: unit (mocha over out/test/unit). Integration and browser suites join here as they are added.
'use strict';
const path = require('path');
const fs = require('fs');
const Mocha = require('mocha');

function collect(dir) {
  if (!fs.existsSync(dir)) return [];
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...collect(full));
    else if (entry.name.endsWith('.test.js')) files.push(full);
  }
  return files.sort();
}

async function runMocha(name, files, timeoutMs) {
  const grep = process.env.SYNTHAD_TEST_GREP;
  const mocha = new Mocha({ reporter: 'spec', timeout: timeoutMs, grep });
  files.forEach((f) => mocha.addFile(f));
  return new Promise((resolve) => {
    const runner = mocha.run();
    let passed = 0, failed = 0;
    runner.on('pass', () => passed++);
    runner.on('fail', () => failed++);
    runner.on('end', () => resolve({ name, passed, failed }));
  });
}

(async () => {
  const root = path.resolve(__dirname, '..');
  const results = [];
  results.push(await runMocha('unit', collect(path.join(root, 'out/test/unit')), 600000));
  let passed = 0, failed = 0;
  for (const r of results) {
    console.log(`${r.name}: ${r.passed} passed, ${r.failed} failed`);
    passed += r.passed; failed += r.failed;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
})();
