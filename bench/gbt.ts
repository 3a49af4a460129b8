/**
 * Speed of SynthAD's boosted trees (src/core/gbt.ts) against XGBoost's `hist` (Debian's python3-xgboost) on the
 * same float32 rows: NSL-KDD's normal and dos rows with as many synthetic anomalies (the gbt-sa training
 * matrix, encoded by SynthAD), fixed rounds (no early stopping), the same depth, learning rate, bins, lambda,
 * min_child_weight and base score. Training: rows x rounds per second, binning / the quantile sketch included.
 * Scoring: rows per second of the fitted trees over `--score-rows` rows (the training rows repeated; SynthAD scores
 * on one thread, its WebAssembly kernel). Both engines train at 1 thread and at every core (XGBoost each in a fresh
 * process, bench/peer_xgboost.py). Prints a markdown table and the ratios of the best of each.
 *
 *   npm run bench:gbt [-- --rounds 300] [--depth 6] [--eta 0.1] [--bins 256] [--score-rows 200000] [--repeats 1] [--no-peer]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDataset } from '../src/core/data';
import { classifierData, Detector } from '../src/core/detector';
import { fitEncoder } from '../src/core/encode';
import { createRng } from '../src/core/rng';
import { trainingRows } from '../src/core/split';
import { trainBoosted } from '../src/core/gbt';
import { compileTrees, treeScorer } from '../src/core/gbtModel';

const ROOT = path.resolve(__dirname, '..', '..');

interface Figures {
  readonly what: string;
  readonly threads: number;
  readonly trainSeconds: number;
  readonly scoreSeconds: number;
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i < 0 ? fallback : Number(process.argv[i + 1]);
  };
  const rounds = arg('--rounds', 300),
    depth = arg('--depth', 6),
    eta = arg('--eta', 0.1),
    bins = arg('--bins', 256),
    scoreRows = arg('--score-rows', 200_000),
    repeats = arg('--repeats', 1);
  const data = await loadDataset(path.join(ROOT, 'data/nslkdd-train.csv'), {
    label: 'family',
    normal: 'normal',
    drop: ['attack'],
  });
  const det = new Detector({ method: 'gbt-sa', known: ['dos'], seed: 0, validationSplit: 0 });
  const picked = trainingRows(data, det.options.known);
  const encoder = fitEncoder(data.features, picked.rows, data.source);
  const { train } = classifierData(det.name, det.options, data, picked, encoder, createRng(0), true);
  const label = Uint8Array.from(train.y, (v) => (v < 0 ? 1 : 0));
  const { rows, cols } = train;
  const scoring = new Float32Array(scoreRows * cols);
  for (let r = 0; r < scoreRows; r++)
    scoring.set(train.x.subarray((r % rows) * cols, ((r % rows) + 1) * cols), r * cols);

  // Ours at 1 thread and at every core; the best of `repeats` each.
  const counts = [...new Set([1, os.cpus().length])];
  const runs = counts.map(() => [] as Figures[]);
  for (let k = 0; k < repeats; k++) {
    for (const [c, threads] of counts.entries()) {
      const t0 = process.hrtime.bigint();
      const fit = await trainBoosted(
        { x: train.x, rows, cols, label },
        undefined,
        {
          rounds,
          maxDepth: depth,
          learningRate: eta,
          lambda: 1,
          minChildWeight: 1,
          maxBins: bins,
          earlyStopping: 0,
          threads,
        },
        {},
      );
      const trainSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const scorer = treeScorer(compileTrees(fit.model), cols);
      scorer.score(scoring.subarray(0, 1000 * cols), 1000); // warm-up
      const t1 = process.hrtime.bigint();
      scorer.score(scoring, scoreRows);
      const scoreSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
      process.stderr.write(
        `SynthAD, ${fit.threads} threads (${scorer.kernel} scoring, 1 thread): train ${trainSeconds.toFixed(2)} s, ` +
          `score ${scoreSeconds.toFixed(3)} s\n`,
      );
      runs[c].push({ what: 'SynthAD gbt.ts', threads: fit.threads, trainSeconds, scoreSeconds });
    }
  }
  const mine: Figures[] = runs.map((r) => ({
    what: 'SynthAD gbt.ts',
    threads: r[0].threads,
    trainSeconds: Math.min(...r.map((f) => f.trainSeconds)),
    scoreSeconds: Math.min(...r.map((f) => f.scoreSeconds)),
  }));
  const peers = process.argv.includes('--no-peer') ? [] : peer(train.x, label, rows, cols, scoring, scoreRows);
  const rowsOut: Figures[] = [...mine, ...peers];

  const lines = [
    `NSL-KDD gbt-sa training matrix (normal + dos + as many synthetic rows): ${rows} rows x ${cols} columns; ` +
      `${rounds} rounds, depth ${depth}, eta ${eta}, ${bins} bins; scoring ${scoreRows} rows; ` +
      `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}); best of ${repeats}`,
    '',
    '| trainer | threads (SynthAD scores on 1) | train s | rows x rounds / s | score s | scored rows / s |',
    '|---|---:|---:|---:|---:|---:|',
    ...rowsOut.map(
      (r) =>
        `| ${r.what} | ${r.threads} | ${r.trainSeconds.toFixed(2)} | ${Math.round((rows * rounds) / r.trainSeconds)} | ` +
        `${r.scoreSeconds.toFixed(3)} | ${Math.round(scoreRows / r.scoreSeconds)} |`,
    ),
  ];
  // Best against best: the fastest of each engine at any thread count (scores per second, higher is better).
  const fastest = (f: Figures[], key: 'trainSeconds' | 'scoreSeconds'): Figures =>
    f.reduce((a, b) => (b[key] < a[key] ? b : a));
  if (peers.length > 0) {
    const [ot, os_, pt, ps] = [
      fastest(mine, 'trainSeconds'),
      fastest(mine, 'scoreSeconds'),
      fastest(peers, 'trainSeconds'),
      fastest(peers, 'scoreSeconds'),
    ];
    lines.push(
      '',
      `SynthAD best / ${pt.what} best: training ${(pt.trainSeconds / ot.trainSeconds).toFixed(2)}x ` +
        `(${ot.threads} vs ${pt.threads} threads), scoring ${(ps.scoreSeconds / os_.scoreSeconds).toFixed(2)}x ` +
        `(1 vs ${ps.threads} threads: SynthAD scores on one)`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');

  function peer(x: Float32Array, y: Uint8Array, n: number, d: number, xs: Float32Array, ns: number): Figures[] {
    const python = [process.env.SYNTHAD_PEER_PYTHON, '/usr/bin/python3'].find(
      (p) => p && spawnSync(p, ['-c', 'import xgboost'], { stdio: 'ignore' }).status === 0,
    );
    if (!python) {
      process.stderr.write('bench: no python3 with xgboost (Debian: apt install python3-xgboost); skipping the peer\n');
      return [];
    }
    const file = path.join(os.tmpdir(), `synthad-gbt-peer-${process.pid}.bin`);
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, Buffer.from(x.buffer, x.byteOffset, n * d * 4));
      fs.writeSync(fd, Buffer.from(Float32Array.from(y).buffer));
      fs.writeSync(fd, Buffer.from(xs.buffer, xs.byteOffset, ns * d * 4));
    } finally {
      fs.closeSync(fd);
    }
    try {
      return [...new Set([1, os.cpus().length])].map((threads) => {
        const args = [n, d, ns, rounds, depth, eta, bins, threads, repeats].map(String);
        const run = spawnSync(python, [path.join(ROOT, 'bench/peer_xgboost.py'), file, ...args], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        if (run.status !== 0) throw new Error(`peer exited with ${run.status}`);
        const r = JSON.parse(run.stdout.trim()) as Figures & { peer: string };
        process.stderr.write(`${r.peer}, ${threads} threads: train ${r.trainSeconds.toFixed(2)} s\n`);
        return { what: r.peer, threads, trainSeconds: r.trainSeconds, scoreSeconds: r.scoreSeconds };
      });
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
