#!/usr/bin/env node
// `npm run bench:scale`: streamed scoring at scale (issue 15). Generates CSV files of 1 M and 10 M rows
// (20 numeric columns + 1 categorical), trains a VC-SA model (and an Isolation Forest) on a 20 K-row file
// of the same distribution, then measures, each in a child process:
//   - `synthad score MODEL DATA --out OUT.csv --threads N`: rows/s end to end (read, type, encode, score, write)
//     and peak RSS, on one thread and on a worker thread per core;
//   - `synthad train DATA --sample 100000`: time and peak RSS;
//   - the exported ONNX model on ONNX Runtime (onnxruntime-node): rows/s on the same rows held in memory
//     (no parsing or writing: the model alone), and SynthAD's in-process scoring of those rows for comparison.
// Prints a markdown table. A benchmark, not a test: nothing is asserted.
//
//   node bench/scale.js [--rows 1000000,10000000] [--dir DIR] [--keep] [--detectors vcsa,iforest] [--threads 1,2]
//
// Peak RSS: each child runs with `-r bench/peak-rss.js`, which prints its VmHWM (Linux; getrusage's maxRSS
// elsewhere) on stderr at exit.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'synthad.js');
const PEAK = path.join(__dirname, 'peak-rss.js');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const ROWS = arg('rows', '1000000,10000000').split(',').map(Number);
const DIR = arg('dir', path.join(os.tmpdir(), 'synthad-scale'));
const DETECTORS = arg('detectors', 'vcsa,iforest').split(',');
const KEEP = process.argv.includes('--keep');
/** `score --threads` values to run: one thread, and every core (this machine's count). */
const THREADS = arg('threads', `1,${os.availableParallelism?.() ?? os.cpus().length}`)
  .split(',')
  .map(Number)
  .filter((n, i, all) => all.indexOf(n) === i);
const COLS = 20;
const CATEGORIES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];

/** A small deterministic generator (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes `rows` rows: x1..x20 (correlated normals, 1 % shifted anomalies, 0.1 % missing) and cat. */
function generate(file, rows, seed) {
  if (fs.existsSync(file) && fs.statSync(file).size > 0) return;
  const r = rng(seed);
  const normal = () => {
    let s = 0;
    for (let k = 0; k < 6; k++) s += r();
    return (s - 3) * 1.41;
  };
  const fd = fs.openSync(file + '.tmp', 'w');
  const header = [...Array.from({ length: COLS }, (_, j) => `x${j + 1}`), 'cat'].join(',') + '\n';
  fs.writeSync(fd, header);
  let buffer = [];
  for (let i = 0; i < rows; i++) {
    const base = normal();
    const shift = r() < 0.01 ? 4 : 0;
    const cells = new Array(COLS + 1);
    for (let j = 0; j < COLS; j++) {
      cells[j] = r() < 0.001 ? '' : (0.6 * base + 0.8 * normal() + (j < 3 ? shift : 0)).toFixed(4);
    }
    cells[COLS] = CATEGORIES[Math.floor(r() * r() * CATEGORIES.length)];
    buffer.push(cells.join(','));
    if (buffer.length === 65536) {
      fs.writeSync(fd, buffer.join('\n') + '\n');
      buffer = [];
    }
  }
  if (buffer.length > 0) fs.writeSync(fd, buffer.join('\n') + '\n');
  fs.closeSync(fd);
  fs.renameSync(file + '.tmp', file);
}

/** Runs `synthad ARGS` with the peak-RSS hook: seconds, peak MB, stderr. */
function synthad(args, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', PEAK, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const peak = /peak RSS ([\d.]+) MB/.exec(r.stderr ?? '');
  return {
    code: r.status,
    seconds,
    peakMB: peak ? Number(peak[1]) : NaN,
    stderr: r.stderr ?? '',
    stdout: r.stdout ?? '',
  };
}

function must(r, what) {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}`);
  return r;
}

const fmtRate = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${Math.round(n / 1e3)} k`);
const fmtRows = (n) => (n >= 1e6 ? `${n / 1e6} M` : `${n / 1e3} k`);

async function onnxRate(modelDir, onnxFile, rows) {
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch {
    return { onnx: NaN, synthad: NaN, note: 'onnxruntime-node not installed' };
  }
  const { loadDetector } = require(path.join(ROOT, 'out', 'src', 'core', 'persist.js'));
  // Rows in memory: the same distribution as the files, typed as the model wants them.
  const r = rng(7);
  const normal = () => {
    let s = 0;
    for (let k = 0; k < 6; k++) s += r();
    return (s - 3) * 1.41;
  };
  const columns = [];
  for (let j = 0; j < COLS; j++) columns.push({ name: `x${j + 1}`, kind: 'numeric', values: new Float64Array(rows) });
  const cat = { name: 'cat', kind: 'categorical', values: new Array(rows) };
  for (let i = 0; i < rows; i++) {
    const base = normal();
    for (let j = 0; j < COLS; j++) columns[j].values[i] = 0.6 * base + 0.8 * normal();
    cat.values[i] = CATEGORIES[Math.floor(r() * r() * CATEGORIES.length)];
  }
  columns.push(cat);
  const batch = 65536;
  const session = await ort.InferenceSession.create(onnxFile);
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < rows; start += batch) {
    const n = Math.min(batch, rows - start);
    const feeds = {};
    for (const name of session.inputNames) {
      const c = columns.find((col) => col.name === name);
      feeds[name] =
        c.kind === 'categorical'
          ? new ort.Tensor('string', c.values.slice(start, start + n), [n, 1])
          : new ort.Tensor('float32', Float32Array.from(c.values.subarray(start, start + n)), [n, 1]);
    }
    await session.run(feeds);
  }
  const onnx = rows / (Number(process.hrtime.bigint() - t0) / 1e9);
  await session.release();
  const det = await loadDetector(modelDir);
  const t1 = process.hrtime.bigint();
  for (let start = 0; start < rows; start += batch) {
    const n = Math.min(batch, rows - start);
    const part = columns.map((c) => ({
      ...c,
      values: c.kind === 'categorical' ? c.values.slice(start, start + n) : c.values.subarray(start, start + n),
    }));
    det.scoreSamples({ source: 'memory', rowCount: n, columns: part });
  }
  const synthadRate = rows / (Number(process.hrtime.bigint() - t1) / 1e9);
  const detail = det.computeDetail;
  det.dispose();
  return { onnx, synthad: synthadRate, detail };
}

async function main() {
  fs.mkdirSync(DIR, { recursive: true });
  const log = (s) => process.stderr.write(s + '\n');
  const trainFile = path.join(DIR, 'train-20k.csv');
  generate(trainFile, 20_000, 1);
  const models = {};
  for (const d of DETECTORS) {
    const dir = path.join(DIR, `model-${d}`);
    fs.rmSync(dir, { recursive: true, force: true });
    log(`training ${d} on 20 k rows…`);
    must(
      synthad(['train', trainFile, '--detector', d, '--epochs', '5', '--seed', '0', '--quiet', '--out', dir]),
      `train ${d}`,
    );
    models[d] = dir;
  }
  const results = [];
  for (const rows of ROWS) {
    const data = path.join(DIR, `data-${rows}.csv`);
    log(`generating ${fmtRows(rows)} rows…`);
    generate(data, rows, rows);
    const size = fs.statSync(data).size;
    for (const d of DETECTORS) {
      for (const threads of THREADS) {
        const label = threads === 1 ? '1 thread' : `${threads} worker threads`;
        log(`scoring ${fmtRows(rows)} rows with ${d} on ${label}…`);
        const out = path.join(DIR, `scores-${d}-${rows}.csv`);
        const r = must(
          synthad(['score', models[d], data, '--out', out, '--quiet', '--threads', String(threads)]),
          `score ${d}`,
        );
        fs.rmSync(out, { force: true });
        results.push({
          what: `score, ${d}, ${label}`,
          rows,
          size,
          seconds: r.seconds,
          rate: rows / r.seconds,
          peakMB: r.peakMB,
        });
        log(`  ${r.seconds.toFixed(1)} s, ${fmtRate(rows / r.seconds)} rows/s, peak RSS ${r.peakMB.toFixed(0)} MB`);
      }
    }
    {
      log(`training vcsa with --sample 100000 on ${fmtRows(rows)} rows…`);
      const dir = path.join(DIR, `model-sample-${rows}`);
      fs.rmSync(dir, { recursive: true, force: true });
      const r = must(
        synthad(['train', data, '--sample', '100000', '--epochs', '5', '--seed', '0', '--quiet', '--out', dir]),
        'train --sample',
      );
      fs.rmSync(dir, { recursive: true, force: true });
      results.push({
        what: 'train --sample 100000 (vcsa, 5 epochs)',
        rows,
        size,
        seconds: r.seconds,
        rate: NaN,
        peakMB: r.peakMB,
      });
    }
    if (!KEEP) fs.rmSync(data, { force: true });
  }
  const onnxRows = Math.min(1_000_000, Math.max(...ROWS));
  const onnxRows2 = [];
  for (const d of DETECTORS) {
    const onnxFile = path.join(DIR, `model-${d}.onnx`);
    must(synthad(['export', models[d], '--onnx', onnxFile, '--quiet']), `export ${d}`);
    log(`ONNX Runtime and in-process scoring of ${fmtRows(onnxRows)} in-memory rows, ${d}…`);
    onnxRows2.push({ d, ...(await onnxRate(models[d], onnxFile, onnxRows)) });
  }
  const lines = [];
  lines.push(
    `synthad bench:scale on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`,
    '',
  );
  lines.push('| run | rows | input | seconds | rows/s | peak RSS |', '|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    lines.push(
      `| ${r.what} | ${fmtRows(r.rows)} | ${(r.size / 2 ** 20).toFixed(0)} MB | ${Number.isFinite(r.seconds) ? r.seconds.toFixed(1) : '–'} | ` +
        `${Number.isFinite(r.rate) ? fmtRate(r.rate) : '–'} | ${Number.isFinite(r.peakMB) ? `${r.peakMB.toFixed(0)} MB` : '–'} |`,
    );
  }
  lines.push(
    '',
    `Model alone on ${fmtRows(onnxRows)} rows held in memory (batches of 65536; no parsing or writing):`,
    '',
  );
  lines.push(
    '| detector | ONNX Runtime rows/s | SynthAD scoreSamples rows/s | SynthAD computes on |',
    '|---|---:|---:|---|',
  );
  for (const o of onnxRows2) {
    lines.push(
      `| ${o.d} | ${Number.isFinite(o.onnx) ? fmtRate(o.onnx) : o.note} | ${Number.isFinite(o.synthad) ? fmtRate(o.synthad) : '–'} | ${o.detail ?? ''} |`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (!KEEP) fs.rmSync(DIR, { recursive: true, force: true });
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
