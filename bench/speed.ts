/**
 * Training speed of the paper's MLP (d -> 500 -> 500 -> 1, batch 1024, AdamW) on NSL-KDD with
 * normal + dos as training rows and as many synthetic anomalies: seconds per epoch and rows per
 * second on the backend `auto` picks, then on wasm; scoring speed on 1,000,000 rows; and with --peer,
 * the same training (validation loss every epoch included) in PyTorch on the same rows
 * (bench/peer_torch.py, Debian's python3-torch) with the ratio. Prints a markdown table.
 *
 *   npm run bench:speed [-- --epochs 5] [--backends auto,wasm] [--threads N] [--peer] [--score-rows 1000000]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDataset } from '../src/core/data';
import { ClassifierMethod, classifierData, Detector } from '../src/core/detector';
import { fitEncoder } from '../src/core/encode';
import { createRng } from '../src/core/rng';
import { trainingRows } from '../src/core/split';
import { selectBackend, type BackendName } from '../src/core/backend';
import type { LabelledMatrix } from '../src/core/train';

const ROOT = path.resolve(__dirname, '..', '..');

interface Row {
  what: string;
  detail: string;
  perEpoch: number;
  secondsPerEpoch: number;
  rowsPerSecond: number;
}

async function main(): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const epochs = Number(arg('--epochs') ?? 5);
  const threads = arg('--threads') === undefined ? 0 : Number(arg('--threads'));
  const scoreRows = Number(arg('--score-rows') ?? 1_000_000);
  const auto = (await selectBackend('auto')).backend;
  const wanted = (arg('--backends') ?? 'auto,wasm').split(',').map((b) => (b === 'auto' ? auto : b) as BackendName);
  const backends = [...new Set(wanted)];
  const data = await loadDataset(path.join(ROOT, 'data/nslkdd-train.csv'), {
    label: 'family',
    normal: 'normal',
    drop: ['attack'],
  });
  const rows: Row[] = [];
  const scoring: string[] = [];
  for (const backend of backends) {
    // One process can switch backends; each detector initialises its own weights on the chosen one.
    const det = new Detector({ known: ['dos'], epochs, patience: 0, backend, threads, seed: 0 });
    await det.fit(data, {
      onEpoch: (p) => process.stderr.write(`${backend} epoch ${p.epoch}: ${p.seconds.toFixed(2)} s\n`),
    });
    const s = det.fitted.summary;
    // The first epoch includes warm-up (kernel compilation, allocations); the median is the steady state.
    const times = s.history.map((h) => h.seconds).sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const perEpoch = s.trainRows + s.syntheticRows;
    rows.push({
      what: `SynthAD ${s.backend}`,
      detail: s.backendDetail,
      perEpoch,
      secondsPerEpoch: median,
      rowsPerSecond: perEpoch / median,
    });
    if (scoreRows > 0) scoring.push(scoreSpeed(det, scoreRows, s.backendDetail));
    det.dispose();
  }
  if (process.argv.includes('--peer')) rows.push(...(await peer(data, epochs)));
  const best = rows.find((r) => r.what.startsWith('SynthAD'))!;
  const width = fitEncoder(data.features, trainingRows(data, ['dos']).rows, data.source).features.reduce(
    (a, f) => a + (f.kind === 'categorical' ? f.categories.length : 1),
    0,
  );
  const lines = [
    `NSL-KDD (known: dos), input width ${width}, MLP 500-500, batch 1024, AdamW, ${epochs} epochs each; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'})`,
    '',
    '| trainer | backend, library, threads | rows per epoch | s/epoch (median) | rows/s | vs first row |',
    '|---|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.detail} | ${r.perEpoch} | ${r.secondsPerEpoch.toFixed(3)} | ${Math.round(r.rowsPerSecond)} | ${(r.rowsPerSecond / best.rowsPerSecond).toFixed(2)}x |`,
    ),
  ];
  const peers = rows.filter((r) => r.what.startsWith('PyTorch'));
  if (peers.length > 0) {
    const top = peers.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
    lines.push(
      '',
      `SynthAD ${best.detail.split(':')[0]} / PyTorch at its best thread count (${top.detail}): ${(best.rowsPerSecond / top.rowsPerSecond).toFixed(2)}x`,
    );
  }
  if (scoring.length > 0)
    lines.push(
      '',
      `Scoring ${scoreRows.toLocaleString('en-US')} rows (network forward pass on encoded rows):`,
      '',
      ...scoring,
    );
  process.stdout.write(lines.join('\n') + '\n');
}

/** Rows per second of the fitted network's forward pass over `n` rows made by repeating test rows. */
function scoreSpeed(det: Detector, n: number, detail: string): string {
  const model = det.fitted.model;
  if (!(model instanceof ClassifierMethod)) throw new Error(`bench: ${det.name} has no network`);
  const mlp = model.network;
  const d = mlp.shape.inputs;
  const x = new Float32Array(n * d);
  const rng = createRng(1);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  mlp.predict(x.subarray(0, 4096 * d), 4096); // warm-up
  const t0 = process.hrtime.bigint();
  mlp.predict(x, n);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return `- ${detail}: ${seconds.toFixed(2)} s, ${Math.round(n / seconds).toLocaleString('en-US')} rows/s`;
}

/** The same rows trained in PyTorch, at 1 thread and at every core (each in a fresh process), when python3 with torch is here. */
async function peer(data: Awaited<ReturnType<typeof loadDataset>>, epochs: number): Promise<Row[]> {
  const det = new Detector({ known: ['dos'], seed: 0 });
  const picked = trainingRows(data, det.options.known);
  const encoder = fitEncoder(data.features, picked.rows, data.source);
  const { train, validation } = classifierData(
    det.name,
    det.options,
    data,
    picked,
    encoder,
    createRng(det.options.seed),
  );
  const file = path.join(os.tmpdir(), `synthad-peer-${process.pid}.bin`);
  writeMatrices(file, [train, validation]);
  const python = [process.env.SYNTHAD_PEER_PYTHON, '/usr/bin/python3', 'python3'].find(
    (p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
  );
  try {
    if (!python) {
      process.stderr.write(
        'bench: no python3 with torch found (Debian: apt install python3-torch); skipping the peer\n',
      );
      return [];
    }
    // Each thread count in a process of its own: torch.set_num_threads after a run at another count leaves
    // PyTorch's thread pool tuned for the first (measured: 2 threads after 1 ran at a quarter of its speed).
    const out: Row[] = [];
    for (const threads of [...new Set([1, os.cpus().length])]) {
      process.stderr.write(
        `bench: PyTorch on the same ${train.rows} training and ${validation.rows} validation rows (${python}, ${threads} thread${threads === 1 ? '' : 's'}, fresh process)\n`,
      );
      const run = spawnSync(
        python,
        [
          path.join(ROOT, 'bench/peer_torch.py'),
          file,
          String(train.rows),
          String(validation.rows),
          String(train.cols),
          String(epochs),
          String(threads),
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      if (run.status !== 0) throw new Error(`peer exited with ${run.status}`);
      for (const line of run.stdout.trim().split('\n')) {
        const r = JSON.parse(line) as { peer: string; threads: number; secondsPerEpoch: number; rowsPerSecond: number };
        out.push({
          what: r.peer,
          detail: `${r.threads} thread${r.threads === 1 ? '' : 's'}`,
          perEpoch: train.rows,
          secondsPerEpoch: r.secondsPerEpoch,
          rowsPerSecond: r.rowsPerSecond,
        });
      }
    }
    return out;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Each matrix's rows (float32, row-major) then its targets, one matrix after the other. */
function writeMatrices(file: string, matrices: LabelledMatrix[]): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const m of matrices) {
      fs.writeSync(fd, Buffer.from(m.x.buffer, m.x.byteOffset, m.rows * m.cols * 4));
      fs.writeSync(fd, Buffer.from(m.y.buffer, m.y.byteOffset, m.rows * 4));
    }
  } finally {
    fs.closeSync(fd);
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
