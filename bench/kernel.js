#!/usr/bin/env node
// npm run bench:kernel: the notebook kernel as a process of its own (what VS Code runs: dist/kernel.js
// through src/extension/kernelSession.ts), in plain Node on this machine.
//   - cold start: a new kernel process until it is ready; first result: until `1 + 1` comes back (median of N)
//   - the host's memory while a notebook holds NSL-KDD (data/nslkdd-train.csv), with the kernel in its own
//     process, against the same cell run in a worker thread inside the host (the design before the process)
//   - the host's event-loop lag (p50/p99) while the kernel trains on NSL-KDD
// Flags: --runs N (cold starts, default 9), --epochs N (training for the lag, default 5).
'use strict';
const path = require('path');
const fs = require('fs');
const { Worker } = require('worker_threads');
const { monitorEventLoopDelay } = require('perf_hooks');

const root = path.resolve(__dirname, '..');
const KERNEL_SCRIPT = path.join(root, 'dist', 'kernel.js');
const { KernelSession } = require(path.join(root, 'out', 'src', 'extension', 'kernelSession.js'));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 9);
const EPOCHS = arg('epochs', 5);
const DATA = path.join(root, 'data', 'nslkdd-train.csv');
const config = { cwd: root, samplesDir: path.join(root, 'samples'), detectorDefaults: {} };
const LOAD = `const kdd = await load(${JSON.stringify(DATA)}, { label: 'family', normal: 'normal', drop: ['attack'] });\nkdd.rowCount`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const mb = (bytes) => Math.round(bytes / 2 ** 20);
const rssMB = () => mb(process.memoryUsage().rss);
const sink = (values = []) => ({ stream: () => {}, display: (b) => values.push(String(b['text/plain'])) });
const settle = async () => {
  global.gc?.();
  await new Promise((r) => setTimeout(r, 300));
  global.gc?.();
};
function kernelRssMB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function coldStarts() {
  const ready = [],
    first = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const s = new KernelSession(KERNEL_SCRIPT, config);
    const values = [];
    const result = s.execute('1 + 1', 'typescript', 'In[1]', sink(values));
    await s.whenReady();
    ready.push(performance.now() - t0);
    await result;
    first.push(performance.now() - t0);
    if (values[0] !== '2') throw new Error(`1 + 1 gave ${values[0]}`);
    s.dispose();
  }
  return { readyMs: Math.round(median(ready)), firstResultMs: Math.round(median(first)) };
}

async function memoryWithProcess() {
  await settle();
  const before = rssMB();
  const s = new KernelSession(KERNEL_SCRIPT, config);
  const values = [];
  const r = await s.execute(LOAD, 'typescript', 'In[1]', sink(values));
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  await settle();
  const after = rssMB();
  const kernel = kernelRssMB(s.pid);
  return { session: s, rows: Number(values[0]), before, after, kernel };
}

/** The same cell in a worker thread of this process, as the kernel ran before it had a process. */
async function memoryWithThread() {
  await settle();
  const before = rssMB();
  const w = new Worker(KERNEL_SCRIPT, { workerData: config, stdout: true, stderr: true });
  await new Promise((resolve) =>
    w.on('message', (m) => {
      if (m.type === 'ready') resolve();
    }),
  );
  const done = new Promise((resolve) =>
    w.on('message', (m) => {
      if (m.type === 'done') resolve(m);
    }),
  );
  w.postMessage({ type: 'execute', id: 1, code: LOAD, language: 'typescript', cellName: 'In[1]' });
  const m = await done;
  if (!m.ok) throw new Error(JSON.stringify(m.error));
  await settle();
  const after = rssMB();
  await w.terminate();
  return { before, after };
}

async function lagWhileTraining(session) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t0 = performance.now();
  const r = await session.execute(
    `const det = await new Detector({ method: 'vcsa', known: ['dos'], epochs: ${EPOCHS}, patience: ${EPOCHS} }).fit(kdd);\n0`,
    'typescript',
    'In[2]',
    sink(),
  );
  h.disable();
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  return {
    seconds: (performance.now() - t0) / 1000,
    p50Ms: ms(h.percentile(50)),
    p99Ms: ms(h.percentile(99)),
    maxMs: ms(h.max),
  };
}

(async () => {
  if (!fs.existsSync(KERNEL_SCRIPT)) throw new Error('dist/kernel.js is missing: run npm run build');
  const cold = await coldStarts();
  console.log(
    `kernel cold start (process ready): median ${cold.readyMs} ms; first result of 1 + 1: median ${cold.firstResultMs} ms (${RUNS} runs)`,
  );
  const proc = await memoryWithProcess();
  console.log(
    `NSL-KDD (${proc.rows} rows) held by a kernel process: host RSS ${proc.before} -> ${proc.after} MB; the kernel process ${proc.kernel} MB`,
  );
  const lag = await lagWhileTraining(proc.session);
  console.log(
    `host event-loop lag while the kernel trains ${EPOCHS} epochs (${lag.seconds.toFixed(1)} s): p50 ${lag.p50Ms} ms, p99 ${lag.p99Ms} ms, max ${lag.maxMs} ms`,
  );
  proc.session.dispose();
  const thread = await memoryWithThread();
  console.log(
    `the same data in a worker thread inside the host (before): host RSS ${thread.before} -> ${thread.after} MB`,
  );
  console.log('\n| measure | figure |\n|---|---:|');
  console.log(`| kernel cold start (median of ${RUNS}) | ${cold.readyMs} ms |`);
  console.log(`| first result of \`1 + 1\` in a new kernel (median of ${RUNS}) | ${cold.firstResultMs} ms |`);
  console.log(
    `| host RSS growth, NSL-KDD loaded in a kernel process | ${proc.after - proc.before} MB (kernel process: ${proc.kernel} MB) |`,
  );
  console.log(`| host RSS growth, NSL-KDD loaded in a worker thread (before) | ${thread.after - thread.before} MB |`);
  console.log(`| host event-loop lag p99 while the kernel trains | ${lag.p99Ms} ms |`);
  process.exit(0);
})().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
