/**
 * Reproduces the paper's tabular experiments with the `synthad evaluate --json` command:
 * Thyroid, NSL-KDD and Arrhythmia, VC-SA vs VC vs Isolation Forest, 3 seeds each.
 * Prints a markdown table of AUPR and AUROC per anomaly type (mean ± std) and writes it to
 * bench/results/paper.md (raw runs in bench/results/runs, reused on a rerun unless --fresh).
 *
 *   npm run bench:paper [-- --only nslkdd-dos] [--seeds 3] [--jobs 2] [--fresh] [--cached-only]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFile } from 'child_process';
import { Experiment, EXPERIMENTS, RESULTS, ROOT } from './experiments';

const RUNS = path.join(RESULTS, 'runs');
const METHODS = ['vcsa', 'vc', 'iforest'] as const;
const METHOD_NAMES: Record<string, string> = { vcsa: 'VC-SA', vc: 'VC', iforest: 'IF' };

interface RunResult {
  readonly auroc: number;
  readonly aupr: number;
  readonly perType: ReadonlyArray<{ type: string; count: number; auroc: number; aupr: number; known: boolean }>;
  readonly epochs: number;
  readonly trainSeconds: number;
  readonly secondsPerEpoch: number;
  readonly rowsPerSecond: number;
  readonly backend: string;
  readonly backendDetail?: string;
  readonly wallSeconds: number;
}

/** Runs share the cores: each gets cores / parallel runs threads (set in main). */
let THREADS_PER_RUN = 1;

const cacheFile = (exp: Experiment, method: string, seed: number): string =>
  path.join(RUNS, `${exp.id}-${method}-${seed}.json`);

function runOne(exp: Experiment, method: string, seed: number): Promise<RunResult> {
  const cache = cacheFile(exp, method, seed);
  if (!process.argv.includes('--fresh') && fs.existsSync(cache))
    return Promise.resolve(JSON.parse(fs.readFileSync(cache, 'utf8')));
  const { train, test } = exp.files(seed);
  const args = [
    path.join(ROOT, 'bin/synthad.js'),
    'evaluate',
    '--train',
    train,
    '--test',
    test,
    '--label',
    exp.label,
    '--normal',
    exp.normal,
    '--known',
    ...exp.known,
    ...(exp.drop ? ['--drop', ...exp.drop] : []),
    '--detector',
    method,
    // The paper's sampler: flags Bernoulli(0.5), categories uniform (SynthAD's default draws them at their frequencies).
    '--synthetic',
    'uniform',
    '--seed',
    String(seed),
    '--threads',
    String(THREADS_PER_RUN),
    '--json',
    '--quiet',
  ];
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${exp.id} ${method} seed ${seed} failed: ${stderr.trim() || err.message}`));
        return;
      }
      const parsed = JSON.parse(stdout) as RunResult & { source?: string };
      // Paths relative to the repository, so committed runs name no machine's folders.
      const source = parsed.source === undefined ? undefined : path.relative(ROOT, parsed.source);
      const result: RunResult = {
        ...parsed,
        ...(source === undefined ? {} : { source }),
        wallSeconds: (Date.now() - t0) / 1000,
      };
      fs.mkdirSync(RUNS, { recursive: true });
      fs.writeFileSync(cache, JSON.stringify(result));
      process.stderr.write(
        `${exp.id} ${method} seed ${seed}: AUROC ${result.auroc.toFixed(4)} AUPR ${result.aupr.toFixed(4)} ` +
          `(${result.epochs} epochs, ${result.wallSeconds.toFixed(0)} s)\n`,
      );
      resolve(result);
    });
  });
}

async function runAll(jobs: Array<() => Promise<void>>, parallel: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await jobs[next++]();
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

function meanStd(values: number[]): string {
  if (values.length === 0) return 'n/a';
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(values.length - 1, 1));
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
}

/** Any one run of an experiment: the anomaly types and their counts are the same in all of them. */
const firstRun = (byMethod: Map<string, RunResult[]>): RunResult | undefined =>
  [...byMethod.values()].find((r) => r.length > 0)?.[0];

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Anomaly types in a stable reading order: known first, then by name (numerically where names are numbers). */
function sortedTypes(run: RunResult): RunResult['perType'] {
  return [...run.perType].sort(
    (a, b) => Number(b.known) - Number(a.known) || a.type.localeCompare(b.type, 'en', { numeric: true }),
  );
}

/** One row per unseen anomaly type: the AUPR of each detector, the headline of the paper's claim. */
function summary(experiments: Experiment[], results: Map<string, Map<string, RunResult[]>>): string {
  const head = `| experiment | unseen type | rows | ${METHODS.map((m) => `${METHOD_NAMES[m]} AUPR`).join(' | ')} | seeds |`;
  const sep = `|---|---|---:|${METHODS.map(() => '---:').join('|')}|---:|`;
  const rows: string[] = [];
  for (const exp of experiments) {
    const byMethod = results.get(exp.id)!;
    const first = firstRun(byMethod);
    if (!first) continue;
    const seeds = Math.min(...METHODS.map((m) => byMethod.get(m)!.length));
    for (const t of sortedTypes(first).filter((p) => !p.known)) {
      const cells = METHODS.map((m) =>
        meanStd(byMethod.get(m)!.map((r) => r.perType.find((p) => p.type === t.type)!.aupr)),
      );
      rows.push(`| ${exp.title} | ${t.type} | ${t.count} | ${cells.join(' | ')} | ${seeds} |`);
    }
  }
  return [head, sep, ...rows].join('\n');
}

function table(exp: Experiment, results: Map<string, RunResult[]>): string {
  const first = firstRun(results);
  if (!first) return `${exp.title}: no runs yet.`;
  const pick = (m: string, f: (r: RunResult) => number): string => meanStd(results.get(m)!.map(f));
  const typeCell =
    (type: string, key: 'aupr' | 'auroc') =>
    (r: RunResult): number =>
      r.perType.find((p) => p.type === type)![key];
  const head = `| ${exp.title} | rows | ${METHODS.map((m) => `${METHOD_NAMES[m]} AUPR`).join(' | ')} | ${METHODS.map((m) => `${METHOD_NAMES[m]} AUROC`).join(' | ')} |`;
  const sep = `|---|---:|${METHODS.map(() => '---:').join('|')}|${METHODS.map(() => '---:').join('|')}|`;
  const rows = sortedTypes(first).map(
    (t) =>
      `| ${t.type} (${t.known ? 'known' : 'unseen'}) | ${t.count} | ` +
      METHODS.map((m) => pick(m, typeCell(t.type, 'aupr'))).join(' | ') +
      ' | ' +
      METHODS.map((m) => pick(m, typeCell(t.type, 'auroc'))).join(' | ') +
      ' |',
  );
  rows.push(
    `| all anomalies | ${first.perType.reduce((a, t) => a + t.count, 0)} | ` +
      METHODS.map((m) => pick(m, (r) => r.aupr)).join(' | ') +
      ' | ' +
      METHODS.map((m) => pick(m, (r) => r.auroc)).join(' | ') +
      ' |',
  );
  const time = METHODS.map((m) => {
    const rs = results.get(m)!;
    if (rs.length === 0) return `${METHOD_NAMES[m]} n/a`;
    const mean = (f: (r: RunResult) => number): number => rs.reduce((a, r) => a + f(r), 0) / rs.length;
    const epochs =
      m === 'iforest'
        ? ''
        : `, ${mean((r) => r.epochs).toFixed(0)} epochs at ${mean((r) => r.secondsPerEpoch).toFixed(2)} s/epoch`;
    return `${METHOD_NAMES[m]} ${mean((r) => r.wallSeconds).toFixed(0)} s (${plural(rs.length, 'seed')}${epochs})`;
  }).join('; ');
  return [
    head,
    sep,
    ...rows,
    '',
    `Wall time per run, mean over seeds: ${time}. Backend: ${first.backendDetail ?? first.backend}.`,
  ].join('\n');
}

async function main(): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const seeds = Number(arg('--seeds') ?? 3),
    parallel = Number(arg('--jobs') ?? 2);
  THREADS_PER_RUN = Math.max(1, Math.floor(os.cpus().length / parallel));
  const only = arg('--only');
  const cachedOnly = process.argv.includes('--cached-only');
  const chosen = EXPERIMENTS.filter((e) => !only || only.split(',').some((o) => e.id.startsWith(o)));
  const results = new Map(chosen.map((e) => [e.id, new Map<string, RunResult[]>(METHODS.map((m) => [m, []]))]));
  // Seed by seed, longest experiments first: an interrupted run still leaves whole seeds behind.
  const order = [...chosen].sort((a, b) => Number(b.id.startsWith('nslkdd')) - Number(a.id.startsWith('nslkdd')));
  const jobs: Array<() => Promise<void>> = [];
  for (let seed = 0; seed < seeds; seed++)
    for (const exp of order)
      for (const method of METHODS) {
        if (cachedOnly && !fs.existsSync(cacheFile(exp, method, seed))) continue;
        jobs.push(async () => {
          results
            .get(exp.id)!
            .get(method)!
            .push(await runOne(exp, method, seed));
        });
      }
  const t0 = Date.now();
  await runAll(jobs, parallel);
  const runSeconds = [...results.values()]
    .flatMap((byMethod) => [...byMethod.values()].flat())
    .reduce((a, r) => a + r.wallSeconds, 0);
  const md = [
    `# Paper reproduction (up to ${plural(seeds, 'seed')}, mean ± std; AUPR = average precision)`,
    '',
    '## Unseen anomaly types',
    '',
    summary(chosen, results),
    '',
    '## Per experiment',
    '',
    ...chosen.flatMap((e) => [table(e, results.get(e.id)!), '']),
    `This invocation took ${((Date.now() - t0) / 60000).toFixed(1)} min with ${parallel} runs in parallel (cached runs take no time). ` +
      `The runs themselves took ${(runSeconds / 60).toFixed(1)} min of wall time in all.`,
  ].join('\n');
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, only ? `paper-${only}.md` : 'paper.md'), md + '\n');
  process.stdout.write(md + '\n');
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
