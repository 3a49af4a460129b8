#!/usr/bin/env node
/**
 * Runs the integration tests inside a real VS Code extension host, offline:
 * code-server (the VS Code server, with a Node extension host) opened in headless Debian Chromium
 * through playwright-core. The workbench URL carries a payload that tells VS Code to load this
 * repository as the extension under development and to run out/test/integration/index.js.
 *
 * Usage: node test/integration/run-code-server.js [--grep PATTERN]
 *        (run `npm run build` first; `npm run test:integration` does both)
 *
 * Environment:
 *   SYNTHAD_IT_SETTINGS    JSON object written as the user settings.json
 *   SYNTHAD_IT_UNTRUSTED=1 leave workspace trust on (no --disable-workspace-trust)
 *   SYNTHAD_IT_TIMEOUT_MS  how long to wait for the tests to finish (default 30 min)
 *   SYNTHAD_IT_SHOT        save a screenshot of the workbench at the end: a .png path (relative to
 *                          the current folder), or any other value for test-artifacts/integration.png
 *   SYNTHAD_IT_VERBOSE=1   echo code-server's output and the browser console
 *   SYNTHAD_IT_KEEP=1      keep the temp folder even when the tests pass
 *
 * Passed on to the extension host (through code-server's environment):
 *   SYNTHAD_IT_GREP, SYNTHAD_IT_RESULT, SYNTHAD_IT_WORKSPACE, SYNTHAD_IT_ARTIFACTS
 *
 * Last line printed: `integration: N passed, N failed`. Exit status 0 only when a result came back
 * with no failures.
 */
'use strict';

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const HARNESS = path.join(ROOT, '.harness');
const CS_VERSION = '4.100.3';
const READY_MARKER = path.join(HARNESS, `.ready-${CS_VERSION}`);
const CODE_SERVER_ENTRY = path.join(HARNESS, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = '/usr/bin/chromium';
const TESTS_ENTRY = path.join(ROOT, 'out', 'test', 'integration', 'index.js');
const WORKSPACE_TEMPLATE = path.join(__dirname, 'workspace');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

// Workbench chatter that says nothing about the tests (connection set-up; failed look-ups of the
// marketplace and telemetry hosts, which are unreachable offline). Shown with SYNTHAD_IT_VERBOSE=1.
const NOISE =
  /^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin extensions cache|\[Service Worker\]|ChatSessionStore:)|ENOTFOUND (open-vsx\.org|[\w.-]*telemetry)/;

const t0 = Date.now();
const log = (msg) => console.log(`[it ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const verbose = process.env.SYNTHAD_IT_VERBOSE === '1';

function parseArgs(argv) {
  const opts = { grep: process.env.SYNTHAD_IT_GREP || '' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--grep' && i + 1 < argv.length) opts.grep = argv[++i];
    else if (arg.startsWith('--grep=')) opts.grep = arg.slice('--grep='.length);
    else throw new Error(`unknown argument: ${arg} (usage: run-code-server.js [--grep PATTERN])`);
  }
  return opts;
}

/** Installs code-server and friends into .harness/ unless that was done before. */
function ensureHarness() {
  if (fs.existsSync(READY_MARKER)) return;
  log('harness not installed: running scripts/setup-harness.sh');
  const res = spawnSync('bash', [path.join(ROOT, 'scripts', 'setup-harness.sh')], { stdio: 'inherit' });
  if (res.status !== 0 || !fs.existsSync(READY_MARKER)) throw new Error('scripts/setup-harness.sh failed');
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once GET /healthz answers 200; rejects on timeout or when the server process dies. */
function waitHealthy(port, server, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let done = false;
    const onExit = (code) => finish(new Error(`code-server exited early (status ${code})`));
    const finish = (err) => {
      if (done) return;
      done = true;
      server.off('exit', onExit);
      err ? reject(err) : resolve();
    };
    server.on('exit', onExit);
    const retry = () => {
      if (Date.now() > deadline) finish(new Error(`code-server did not answer /healthz within ${timeoutMs} ms`));
      else setTimeout(probe, 200);
    };
    const probe = () => {
      if (done) return;
      http
        .get(`http://127.0.0.1:${port}/healthz`, (res) => {
          res.resume();
          res.statusCode === 200 ? finish() : retry();
        })
        .on('error', retry);
    };
    probe();
  });
}

/** Fresh folders for one run: user data, extensions, config, workspace. */
function prepareTempDir() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-it-'));
  const dirs = {
    tmp,
    userData: path.join(tmp, 'user-data'),
    extensions: path.join(tmp, 'extensions'),
    workspace: path.join(tmp, 'workspace'),
    config: path.join(tmp, 'config.yaml'),
    result: path.join(tmp, 'result.json'),
    serverLog: path.join(tmp, 'code-server.log'),
  };
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.mkdirSync(dirs.extensions);
  // An explicit (empty) config keeps code-server from writing ~/.config/code-server/config.yaml.
  fs.writeFileSync(dirs.config, '');
  if (fs.existsSync(WORKSPACE_TEMPLATE)) fs.cpSync(WORKSPACE_TEMPLATE, dirs.workspace, { recursive: true });
  else fs.mkdirSync(dirs.workspace);

  const settings = process.env.SYNTHAD_IT_SETTINGS;
  if (settings) {
    let parsed;
    try {
      parsed = JSON.parse(settings);
    } catch (err) {
      throw new Error(`SYNTHAD_IT_SETTINGS is not valid JSON: ${err.message}`);
    }
    fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(parsed, null, 2) + '\n');
  }
  return dirs;
}

function startCodeServer(port, dirs, grep) {
  const args = [
    CODE_SERVER_ENTRY,
    '--config',
    dirs.config,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
  ];
  if (process.env.SYNTHAD_IT_UNTRUSTED !== '1') args.push('--disable-workspace-trust');
  // code-server's environment reaches the extension host, so this is how the tests get their inputs.
  const env = {
    ...process.env,
    SYNTHAD_IT_GREP: grep,
    SYNTHAD_IT_RESULT: dirs.result,
    SYNTHAD_IT_WORKSPACE: dirs.workspace,
    SYNTHAD_IT_ARTIFACTS: ARTIFACTS,
  };
  // Detached: code-server leads its own process group, which is killed as a whole at the end
  // (it forks the extension host and other helpers).
  const server = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = fs.createWriteStream(dirs.serverLog);
  for (const stream of [server.stdout, server.stderr]) {
    stream.on('data', (chunk) => {
      logFile.write(chunk);
      if (verbose) process.stdout.write(`[code-server] ${chunk}`);
    });
  }
  server.on('exit', () => logFile.end());
  return server;
}

/** SIGTERM to code-server's process group, SIGKILL if anything is left after a grace period. */
async function stopCodeServer(server) {
  if (!server || server.pid === undefined) return;
  const signalGroup = (sig) => {
    try {
      process.kill(-server.pid, sig);
      return true;
    } catch {
      return false; // the group is gone already
    }
  };
  if (!signalGroup('SIGTERM')) return;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (!signalGroup(0)) return;
  }
  signalGroup('SIGKILL');
}

function screenshotPath() {
  const shot = process.env.SYNTHAD_IT_SHOT;
  if (!shot) return undefined;
  return shot.endsWith('.png') ? path.resolve(shot) : path.join(ARTIFACTS, 'integration.png');
}

/**
 * Opens the workbench with the test payload and resolves with the exit code VS Code reports
 * through window.codeAutomationExit (or 124 on timeout, 1 if the page crashes).
 */
async function runInBrowser(browser, port, dirs) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  if (verbose) page.on('console', (m) => console.log(`[browser ${m.type()}] ${m.text().slice(0, 500)}`));
  page.on('pageerror', (err) => verbose && console.log(`[browser pageerror] ${err.message}`));

  let settle;
  const exited = new Promise((resolve) => (settle = resolve));
  // VS Code's automation hooks: test output arrives through codeAutomationLog, the end through codeAutomationExit.
  await page.exposeFunction('codeAutomationLog', (_type, args) => {
    const parts = Array.isArray(args) ? args : [args];
    if (verbose || !NOISE.test(parts.join(' '))) console.log(...parts);
  });
  await page.exposeFunction('codeAutomationExit', (code) => settle(typeof code === 'number' ? code : 1));
  page.on('crash', () => {
    log('browser page crashed');
    settle(1);
  });

  const authority = `127.0.0.1:${port}`;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${authority}${ROOT}`],
    ['extensionTestsPath', `vscode-remote://${authority}${TESTS_ENTRY}`],
    ['skipWelcome', 'true'],
  ];
  const url =
    `http://${authority}/?folder=${encodeURIComponent(dirs.workspace)}` +
    `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  log('opening the workbench');
  await page.goto(url);

  const timeoutMs = Number(process.env.SYNTHAD_IT_TIMEOUT_MS) || 30 * 60 * 1000;
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => {
      log(`timed out after ${timeoutMs} ms waiting for the tests`);
      resolve(124);
    }, timeoutMs);
  });
  const code = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  log(`VS Code reported exit code ${code}`);

  const shot = screenshotPath();
  if (shot) {
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot }).then(
      () => log(`screenshot: ${path.relative(process.cwd(), shot) || shot}`),
      (err) => log(`screenshot failed: ${err.message}`),
    );
  }
  return code;
}

/** Kernel processes (marked --synthad-kernel, see src/extension/kernelSession.ts) running now, by pid. */
function kernelProcesses() {
  const out = new Set();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('--synthad-kernel'))
        out.add(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Waits until no kernel process started during this run is left (VS Code is down); returns the orphans. */
async function orphanKernels(before, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const left = [...kernelProcesses()].filter((pid) => !before.has(pid));
    if (left.length === 0 || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function readResult(file) {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (Number.isInteger(data.passed) && Number.isInteger(data.failed)) return data;
    log(`malformed result file ${file}`);
  } catch (err) {
    log(`no test result (${err.code === 'ENOENT' ? 'the tests did not finish' : err.message})`);
  }
  return undefined;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  ensureHarness();
  if (!fs.existsSync(TESTS_ENTRY))
    throw new Error(`${path.relative(ROOT, TESTS_ENTRY)} is missing: run \`npm run build\` first`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  const dirs = prepareTempDir();
  const port = await freePort();
  const kernelsBefore = kernelProcesses();
  let server;
  let browser;
  let code = 1;
  // Ctrl+C or a CI cancel: still take code-server down.
  const onSignal = async (sig) => {
    log(`${sig}: stopping`);
    if (browser) await browser.close().catch(() => {});
    await stopCodeServer(server);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    server = startCodeServer(port, dirs, opts.grep);
    await waitHealthy(port, server, 60000);
    log(`code-server up on port ${port}${process.env.SYNTHAD_IT_UNTRUSTED === '1' ? ' (workspace trust on)' : ''}`);
    const { chromium } = require(path.join(HARNESS, 'node_modules', 'playwright-core'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox', // needed as root
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    code = await runInBrowser(browser, port, dirs);
  } catch (err) {
    log(`harness error: ${err.stack || err}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await stopCodeServer(server);
  }

  const result = readResult(dirs.result);
  let passed = result ? result.passed : 0;
  let failed = result ? result.failed : 1;
  // Every notebook kernel ends with VS Code: none may outlive it (counted as one more test).
  const orphans = await orphanKernels(kernelsBefore);
  if (orphans.length === 0) {
    passed++;
    log('no kernel process outlived VS Code');
  } else {
    failed++;
    log(`kernel processes outlived VS Code: ${orphans.join(', ')}`);
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  // The extension host logs every warning an extension causes through VS Code's API (configuration read in
  // the wrong scope, say), tagged [synthad.synthad]: none may come from SynthAD (one more test).
  const warnings = extensionHostWarnings(dirs.userData);
  if (warnings.logs === 0) {
    failed++;
    log('no extension host log found to check for SynthAD warnings');
  } else if (warnings.lines.length === 0) {
    passed++;
    log(`no warnings from SynthAD in the extension host log (${warnings.logs} log file(s))`);
  } else {
    failed++;
    log(
      `SynthAD caused ${warnings.lines.length} warning(s) in the extension host log:\n  ${warnings.lines.slice(0, 8).join('\n  ')}`,
    );
  }
  if (result && failed === 0 && code !== 0) {
    // The tests passed but VS Code reported an error (run() threw after the result was written).
    log(`VS Code exited with ${code} although no test failed: counting one failure`);
    failed = 1;
  }
  const ok = failed === 0;
  if (!ok || process.env.SYNTHAD_IT_KEEP === '1') {
    log(`temp folder kept: ${dirs.tmp} (code-server log: ${dirs.serverLog})`);
  } else {
    fs.rmSync(dirs.tmp, { recursive: true, force: true });
  }
  console.log(`integration: ${passed} passed, ${failed} failed`);
  process.exit(ok ? 0 : 1);
}

/** Warning and error lines tagged with SynthAD's id in the extension host logs under the user-data folder. */
function extensionHostWarnings(userData) {
  const out = { logs: 0, lines: [] };
  const walk = (dir) => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/exthost\.log$/i.test(entry.name)) {
        out.logs++;
        for (const line of fs.readFileSync(full, 'utf8').split('\n')) {
          if (/\[(warning|error)\] \[synthad\.synthad\]/.test(line)) out.lines.push(line.slice(0, 300));
        }
      }
    }
  };
  walk(path.join(userData, 'logs'));
  return out;
}

// The browser tests (test/e2e) reuse the harness pieces.
module.exports = {
  ROOT,
  CHROMIUM,
  ARTIFACTS,
  ensureHarness,
  freePort,
  waitHealthy,
  prepareTempDir,
  startCodeServer,
  stopCodeServer,
};

if (require.main === module) {
  main().catch((err) => {
    console.error(err.stack || String(err));
    console.log('integration: 0 passed, 1 failed');
    process.exit(1);
  });
}
