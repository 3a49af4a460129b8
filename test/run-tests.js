#!/usr/bin/env node
// Runs every test suite the project has and ends with one line `N passed, N failed`.
// Suites: unit (mocha over out/test/unit, plain Node), then the integration suite inside a real VS Code
// (code-server + headless Chromium, test/integration/run-code-server.js): once with workspace trust off
// for everything but the untrusted-workspace suite, once with trust on for that suite.
// Then the browser tests (test/e2e): the template notebook's rendered charts in code-server, and a teammate's
// notebook opened by a double-click in the Explorer (IntelliSense and toolbar with no kernel picked by hand).
// Last the packaged extension (test/vsix): the linux-x64 VSIX (built by scripts/package.mjs when missing or
// stale) installed into a clean code-server profile, its template notebook run through the UI.
// SYNTHAD_TEST_GREP filters unit tests; SYNTHAD_SKIP_INTEGRATION=1 runs the unit tests alone.
'use strict';
const path = require('path');
const fs = require('fs');
const Mocha = require('mocha');
const { spawn } = require('child_process');

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
    let passed = 0,
      failed = 0;
    runner.on('pass', () => passed++);
    runner.on('fail', () => failed++);
    runner.on('end', () => resolve({ name, passed, failed }));
  });
}

/** Runs the code-server harness and reads its closing `integration: N passed, N failed` line. */
function runIntegration(name, env) {
  return runCounted(name, path.join(__dirname, 'integration', 'run-code-server.js'), env, 'integration');
}

/** Runs a test script that ends with `PREFIX: N passed, N failed` and reads the counts. */
function runCounted(name, script, env, prefix) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let tail = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      tail = (tail + d).slice(-4000);
    });
    child.on('close', (code) => {
      const m = new RegExp(`${prefix}: (\\d+) passed, (\\d+) failed\\s*$`).exec(tail);
      if (m) resolve({ name, passed: Number(m[1]), failed: Number(m[2]) });
      else resolve({ name, passed: 0, failed: 1, note: `harness exited with ${code} before counting` });
    });
  });
}

(async () => {
  const root = path.resolve(__dirname, '..');
  const results = [];
  results.push(await runMocha('unit', collect(path.join(root, 'out/test/unit')), 600000));
  if (process.env.SYNTHAD_SKIP_INTEGRATION !== '1' && !process.env.SYNTHAD_TEST_GREP) {
    results.push(
      await runIntegration('integration (trusted)', { SYNTHAD_IT_GREP: 'untrusted', SYNTHAD_IT_INVERT: '1' }),
    );
    results.push(
      await runIntegration('integration (untrusted)', {
        SYNTHAD_IT_GREP: 'untrusted',
        SYNTHAD_IT_UNTRUSTED: '1',
        SYNTHAD_IT_SETTINGS: JSON.stringify({
          'security.workspace.trust.startupPrompt': 'never',
          'security.workspace.trust.emptyWindow': false,
        }),
      }),
    );
    results.push(await runCounted('browser (e2e)', path.join(__dirname, 'e2e', 'notebook.e2e.js'), {}, 'e2e'));
    results.push(
      await runCounted(
        'browser (shared notebook)',
        path.join(__dirname, 'e2e', 'shared-notebook.e2e.js'),
        {},
        'e2e-shared',
      ),
    );
    results.push(await runCounted('packaged (vsix)', path.join(__dirname, 'vsix', 'vsix.e2e.js'), {}, 'vsix'));
  }
  let passed = 0,
    failed = 0;
  for (const r of results) {
    console.log(`${r.name}: ${r.passed} passed, ${r.failed} failed`);
    passed += r.passed;
    failed += r.failed;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
})();
