/**
 * Detection quality of every registered SynthAD method against two peers, on the paper's experiments
 * (bench/experiments.ts) with known anomaly types and again without labels, seeds 0, 1, 2.
 *
 * Columns: each method `methodNames()` registers, at its defaults (one set for all data sets, never tuned),
 * and for a method with the option `synthetic`, once more per sampler value besides its default; then
 * XGBoost (normal vs known anomalies) and scikit-learn's IsolationForest (normal training rows), fitted in
 * Python (bench/quality_peers.py) on the very rows SynthAD trains on, encoded by SynthAD's encoder fitted
 * as `Detector.fit` fits it. Every column's metrics are computed here with src/core/metrics.ts.
 *
 * Without labels (`known: []`) SynthAD keeps the anomaly rows out of training, so every column trains on the
 * normal rows only. The five experiments collapse to three then (the two Thyroid ones and the two NSL-KDD
 * ones differ only in their known type): thyroid-nolabels, nslkdd-nolabels, arrhythmia-nolabels.
 *
 * Prints markdown tables (AUROC, AUPR, known vs unseen types, AUROC per type, time), the goal check of the
 * ensemble `auto` when it is registered, and writes every figure to bench/results/quality.json
 * (bench/results/tmp/quality-partial.json, not committed, when flags narrow the run). Progress goes to stderr.
 *
 *   npm run bench:quality [-- --seeds 0,1] [--experiments thyroid-hyper,nslkdd] [--methods vcsa,auto]
 *       [--vary-synthetic vcsa,gbt-sa] [--peers xgboost,sk-iforest | --no-peers] [--python PATH] [--out FILE]
 *
 * --experiments takes ids or their beginnings (`thyroid` = all three Thyroid experiments); --methods takes
 * method names (all their columns) or column ids (`vcsa:synthetic=marginal`); --vary-synthetic names the
 * methods that get a column per `synthetic` value (default vcsa; `none`), once the option exists.
 */
import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDataset } from '../src/core/data/load';
import type { Dataset } from '../src/core/data/types';
import { Detector, methodClass, methodNames } from '../src/core/detector';
import { encode, fitEncoder, EncoderState } from '../src/core/encode';
import { SynthadInputError } from '../src/core/errors';
import { overallMetrics, perTypeMetrics, rankableScores } from '../src/core/metrics';
import { DetectorOptions, optionNamesOf, optionSpecs, resolveOptions } from '../src/core/options';
import { trainingRows } from '../src/core/split';
import { Experiment, EXPERIMENTS, loadOptionsOf, RESULTS, ROOT } from './experiments';
import {
  bestCells,
  experimentGoal,
  markdownTable,
  mean,
  meanGoal,
  optionValues,
  std,
  summariseTypes,
  TypeGroups,
  TypeScore,
} from './qualityStats';

const PEER_SCRIPT = path.join(ROOT, 'bench', 'quality_peers.py');
const DEFAULT_SEEDS = [0, 1, 2];

/** One experiment of this bench: a paper experiment as it is, or without labels. */
interface QualityExperiment {
  readonly id: string;
  readonly title: string;
  readonly semiSupervised: boolean;
  readonly base: Experiment;
  readonly known: ReadonlyArray<string>;
}

function qualityExperiments(): QualityExperiment[] {
  const semi = EXPERIMENTS.map((e): QualityExperiment => ({
    id: e.id,
    title: e.title,
    semiSupervised: true,
    base: e,
    known: e.known,
  }));
  const byDataset = new Map<string, Experiment>();
  for (const e of EXPERIMENTS) if (!byDataset.has(e.dataset)) byDataset.set(e.dataset, e);
  const unsupervised = [...byDataset.values()].map((e): QualityExperiment => ({
    id: `${e.id.split('-')[0]}-nolabels`,
    title: `${e.dataset}, no labels`,
    semiSupervised: false,
    base: e,
    known: [],
  }));
  return [...semi, ...unsupervised];
}

type PeerName = 'xgboost' | 'sk-iforest';
const PEERS: Readonly<Record<PeerName, { readonly name: string; readonly needs: string; readonly apt: string }>> = {
  xgboost: { name: 'XGBoost', needs: 'xgboost', apt: 'python3-xgboost' },
  'sk-iforest': { name: 'IForest (sklearn)', needs: 'sklearn', apt: 'python3-sklearn' },
};
const isPeer = (s: string): s is PeerName => s === 'xgboost' || s === 'sk-iforest';

/** A column of the tables: a SynthAD method with options, or a peer. */
type Column =
  | {
      readonly kind: 'synthad';
      readonly id: string;
      readonly name: string;
      readonly method: string;
      readonly options: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'peer'; readonly id: PeerName; readonly name: string };

/**
 * Every registered method at its defaults, plus, for the methods in `vary` that use the option `synthetic`, one
 * column per other value of it. (Not every method that accepts the option uses it: VC shares VC-SA's options.)
 */
function synthadColumns(vary: ReadonlyArray<string>): Column[] {
  const columns: Column[] = [];
  const synthetic = optionSpecs().get('synthetic');
  for (const method of methodNames()) {
    const name = methodClass(method).displayName(resolveOptions({ method }));
    columns.push({ kind: 'synthad', id: method, name, method, options: {} });
    if (synthetic === undefined || !vary.includes(method) || !optionNamesOf(method).includes('synthetic')) continue;
    for (const value of optionValues(synthetic, ['uniform', 'marginal'])) {
      if (value === synthetic.default) continue;
      const options = { synthetic: value };
      // The method's own name for the variant where it has one, else its name with the value.
      const own = methodClass(method).displayName(resolveOptions({ method, ...options } as Partial<DetectorOptions>));
      columns.push({
        kind: 'synthad',
        id: `${method}:synthetic=${value}`,
        name: own !== name ? own : `${name} (synthetic: ${value})`,
        method,
        options,
      });
    }
  }
  return columns;
}

interface Args {
  readonly seeds: ReadonlyArray<number>;
  readonly experiments: ReadonlyArray<QualityExperiment>;
  readonly columns: ReadonlyArray<Column>;
  readonly python: string;
  readonly out: string;
  readonly narrowed: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: ReadonlyArray<string>): Args {
  const values = new Map<string, string>();
  const FLAGS = ['--seeds', '--experiments', '--methods', '--vary-synthetic', '--peers', '--python', '--out'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-peers') values.set('--peers', 'none');
    else if (FLAGS.includes(a)) {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      values.set(a, argv[++i]);
    } else throw new UsageError(`unknown argument '${a}' (flags: ${FLAGS.join(', ')}, --no-peers)`);
  }
  const list = (flag: string): string[] | undefined =>
    values
      .get(flag)
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');

  const seedList = list('--seeds');
  const seeds = seedList?.map((s) => {
    if (!/^\d+$/.test(s)) throw new UsageError(`--seeds: '${s}' is not a whole number (e.g. --seeds 0,1,2)`);
    return Number(s);
  }) ?? [...DEFAULT_SEEDS];

  const all = qualityExperiments();
  const wanted = list('--experiments');
  for (const w of wanted ?? []) {
    if (!all.some((e) => e.id.startsWith(w)))
      throw new UsageError(`--experiments: no experiment '${w}' (experiments: ${all.map((e) => e.id).join(', ')})`);
  }
  const experiments = wanted ? all.filter((e) => wanted.some((w) => e.id.startsWith(w))) : all;

  const vary = list('--vary-synthetic') ?? ['vcsa'];
  const synthad = synthadColumns(vary);
  const methods = list('--methods');
  for (const m of methods ?? []) {
    if (!synthad.some((c) => c.id === m || (c.kind === 'synthad' && c.method === m)))
      throw new UsageError(`--methods: no method or column '${m}' (columns: ${synthad.map((c) => c.id).join(', ')})`);
  }
  const chosen = methods
    ? synthad.filter((c) => methods.some((m) => c.id === m || (c.kind === 'synthad' && c.method === m)))
    : synthad;
  const peerList = list('--peers') ?? ['xgboost', 'sk-iforest'];
  const peers: Column[] = [];
  for (const p of peerList) {
    if (p === 'none') continue;
    if (!isPeer(p)) throw new UsageError(`--peers: no peer '${p}' (peers: xgboost, sk-iforest, or none)`);
    peers.push({ kind: 'peer', id: p, name: PEERS[p].name });
  }
  const narrowed = ['--seeds', '--experiments', '--methods', '--vary-synthetic', '--peers'].some((f) => values.has(f));
  return {
    seeds,
    experiments,
    columns: [...chosen, ...peers],
    python: values.get('--python') ?? process.env.SYNTHAD_PEER_PYTHON ?? defaultPython(),
    out:
      values.get('--out') ??
      (narrowed ? path.join(RESULTS, 'tmp', 'quality-partial.json') : path.join(RESULTS, 'quality.json')),
    narrowed,
  };
}

/** Debian's python3 (where python3-xgboost and python3-sklearn install), else the python3 on PATH. */
function defaultPython(): string {
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The peers that can run: asks Python for its modules; says how to install what is missing. */
function availablePeers(python: string, wanted: ReadonlyArray<PeerName>): { peers: PeerName[]; versions: string } {
  if (wanted.length === 0) return { peers: [], versions: '' };
  const run = spawnSync(python, [PEER_SCRIPT, '--check'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    log(
      `bench: cannot run ${python} (${run.error?.message ?? run.stderr.trim()}); the peer columns are left out. ` +
        'Install Python 3 with the peers (Debian/Ubuntu: sudo apt-get install python3-xgboost python3-sklearn), ' +
        'or name one with --python PATH',
    );
    return { peers: [], versions: '' };
  }
  const v = JSON.parse(run.stdout) as Record<string, string | null>;
  const peers: PeerName[] = [];
  for (const p of wanted) {
    const missing = ['numpy', PEERS[p].needs].filter((m) => v[m] === null);
    if (missing.length === 0) peers.push(p);
    else
      log(
        `bench: ${python} has no ${missing.join(', ')}: the ${PEERS[p].name} column is left out ` +
          `(Debian/Ubuntu: sudo apt-get install ${missing.map((m) => (m === 'numpy' ? 'python3-numpy' : PEERS[p].apt)).join(' ')})`,
      );
  }
  const versions = Object.entries(v)
    .map(([k, ver]) => `${k} ${ver ?? 'missing'}`)
    .join(', ');
  return { peers, versions };
}

/** What one column measured on one experiment and seed. */
type Run =
  | {
      readonly seed: number;
      readonly status: 'ok';
      readonly auroc: number;
      readonly aupr: number;
      readonly perType: ReadonlyArray<TypeScore>;
      readonly groups: TypeGroups;
      readonly fitSeconds: number;
      readonly scoreSeconds: number;
    }
  | { readonly seed: number; readonly status: 'refused'; readonly reason: string };

type OkRun = Extract<Run, { status: 'ok' }>;

/** AUROC and AUPR overall and per type, with SynthAD's metrics, the same way for every column. */
function measure(
  test: Dataset,
  scores: Float64Array,
  known: ReadonlyArray<string>,
): Pick<OkRun, 'auroc' | 'aupr' | 'perType' | 'groups'> {
  const label = test.label;
  if (label === undefined) throw new Error(`${test.source}: no label column`);
  if ((label.unknownCount ?? 0) > 0)
    throw new Error(`${test.source}: rows with an unknown label are not supported here`);
  const ranked = rankableScores(scores);
  const overall = overallMetrics(label.isNormal, ranked);
  const perType = perTypeMetrics(label.values, label.isNormal, ranked, new Set(known));
  return { auroc: overall.auroc, aupr: overall.aupr, perType, groups: summariseTypes(perType) };
}

/** The rows every column trains on, encoded as `Detector.fit` encodes them, and the test rows. */
interface Prepared {
  readonly train: Dataset;
  readonly test: Dataset;
  readonly encoder: EncoderState;
  readonly x: Float32Array;
  readonly y: Uint8Array;
  readonly testX: Float32Array;
  readonly width: number;
}

const loaded = new Map<string, Promise<Dataset>>();
function load(file: string, exp: Experiment): Promise<Dataset> {
  const key = `${file}\u0000${JSON.stringify(loadOptionsOf(exp))}`;
  let p = loaded.get(key);
  if (p === undefined) {
    p = loadDataset(file, loadOptionsOf(exp));
    loaded.set(key, p);
  }
  return p;
}

async function prepare(exp: QualityExperiment, seed: number): Promise<Prepared> {
  const files = exp.base.files(seed);
  const train = await load(files.train, exp.base),
    test = await load(files.test, exp.base);
  const picked = trainingRows(train, exp.known);
  const encoder = fitEncoder(train.features, picked.rows, train.source);
  const m = encode(encoder, train, picked.rows);
  const y = Uint8Array.from(picked.rows, (r) => 1 - picked.isNormal[r]);
  const t = encode(encoder, test);
  return { train, test, encoder, x: m.x, y, testX: t.x, width: m.cols };
}

async function runSynthad(
  col: Extract<Column, { kind: 'synthad' }>,
  exp: QualityExperiment,
  seed: number,
  p: Prepared,
): Promise<Run & { computeDetail?: string }> {
  const given: Record<string, unknown> = { method: col.method, known: exp.known, seed, ...col.options };
  const detector = new Detector(given as Partial<DetectorOptions>);
  const t0 = performance.now();
  try {
    await detector.fit(p.train);
  } catch (err) {
    if (err instanceof SynthadInputError)
      return { seed, status: 'refused', reason: err.message.split(ROOT + path.sep).join('') };
    throw err;
  }
  const fitSeconds = (performance.now() - t0) / 1000;
  try {
    if (JSON.stringify(detector.fitted.encoder) !== JSON.stringify(p.encoder))
      throw new Error(
        `${col.id} on ${exp.id}: its encoder differs from the one the peers get (bench/quality.ts prepare)`,
      );
    const t1 = performance.now();
    const scores = detector.scoreSamples(p.test);
    const scoreSeconds = (performance.now() - t1) / 1000;
    return {
      seed,
      status: 'ok',
      ...measure(p.test, scores, exp.known),
      fitSeconds,
      scoreSeconds,
      computeDetail: detector.computeDetail,
    };
  } finally {
    detector.dispose();
  }
}

function execPython(python: string, args: ReadonlyArray<string>): Promise<string> {
  return new Promise((resolve, reject) => {
    // Passive OpenMP waiting: XGBoost's spinning threads lose several times their speed when the cores are shared.
    const env = { OMP_WAIT_POLICY: 'passive', ...process.env };
    execFile(python, args, { maxBuffer: 16 << 20, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${python} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Fits the peers in one Python process on the prepared rows; a peer that cannot learn from them is refused. */
async function runPeers(
  peers: ReadonlyArray<PeerName>,
  exp: QualityExperiment,
  seed: number,
  p: Prepared,
  python: string,
): Promise<Map<PeerName, Run>> {
  const out = new Map<PeerName, Run>();
  const hasAnomalies = p.y.some((v) => v === 1);
  const runnable = peers.filter((peer) => {
    if (peer === 'xgboost' && !hasAnomalies) {
      out.set(peer, { seed, status: 'refused', reason: 'XGBoost needs labelled anomalies in training' });
      return false;
    }
    return true;
  });
  if (runnable.length === 0) return out;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-quality-'));
  try {
    const file = (name: string): string => path.join(dir, name);
    const bytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    fs.writeFileSync(file('train.bin'), bytes(p.x));
    fs.writeFileSync(file('labels.bin'), bytes(p.y));
    fs.writeFileSync(file('test.bin'), bytes(p.testX));
    const job = {
      train: file('train.bin'),
      labels: file('labels.bin'),
      test: file('test.bin'),
      width: p.width,
      trainRows: p.y.length,
      testRows: p.test.rowCount,
      seed,
      threads: os.cpus().length,
      peers: runnable,
      out: dir,
    };
    fs.writeFileSync(file('job.json'), JSON.stringify(job));
    const reply = JSON.parse(await execPython(python, [PEER_SCRIPT, file('job.json')])) as {
      seconds: Record<string, number>;
    };
    for (const peer of runnable) {
      const raw = fs.readFileSync(file(`${peer}.bin`));
      if (raw.byteLength !== p.test.rowCount * 8)
        throw new Error(`${PEERS[peer].name}: expected ${p.test.rowCount} scores, got ${raw.byteLength / 8}`);
      const scores = new Float64Array(p.test.rowCount);
      new Uint8Array(scores.buffer).set(raw);
      out.set(peer, {
        seed,
        status: 'ok',
        ...measure(p.test, scores, exp.known),
        fitSeconds: reply.seconds[peer],
        scoreSeconds: 0,
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

const key = (exp: QualityExperiment, col: Column): string => `${exp.id}\u0000${col.id}`;

/** Mean over seeds of one figure of a column on an experiment; undefined when it did not run or refused. */
type Cell = { readonly mean: number; readonly std: number; readonly seeds: number } | undefined;

class Results {
  readonly runs = new Map<string, Run[]>();
  add(exp: QualityExperiment, col: Column, run: Run): void {
    const k = key(exp, col);
    const list = this.runs.get(k) ?? [];
    list.push(run);
    this.runs.set(k, list);
  }
  ok(exp: QualityExperiment, col: Column): OkRun[] {
    return (this.runs.get(key(exp, col)) ?? []).filter((r): r is OkRun => r.status === 'ok');
  }
  refusal(exp: QualityExperiment, col: Column): string | undefined {
    const r = (this.runs.get(key(exp, col)) ?? []).find((x) => x.status === 'refused');
    return r?.status === 'refused' ? r.reason : undefined;
  }
  cell(exp: QualityExperiment, col: Column, figure: (r: OkRun) => number | undefined): Cell {
    if (this.refusal(exp, col) !== undefined) return undefined;
    const values = this.ok(exp, col)
      .map(figure)
      .filter((v): v is number => v !== undefined);
    const m = mean(values),
      s = std(values);
    return m === undefined || s === undefined ? undefined : { mean: m, std: s, seeds: values.length };
  }
}

const fmt = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(3));

/** A row of figures with the best bolded. */
function figureRow(label: ReadonlyArray<string>, values: ReadonlyArray<number | undefined>): string[] {
  const best = bestCells(values);
  return [...label, ...values.map((v, i) => (best.has(i) ? `**${fmt(v)}**` : fmt(v)))];
}

/** Experiments as rows, columns as columns, with a mean row per group (over the group's experiments). */
function overallTable(
  results: Results,
  experiments: ReadonlyArray<QualityExperiment>,
  columns: ReadonlyArray<Column>,
  figure: (r: OkRun) => number,
): { table: string; means: Map<string, Map<string, number | undefined>> } {
  const rows: string[][] = [];
  const means = new Map<string, Map<string, number | undefined>>();
  for (const semi of [true, false]) {
    const group = experiments.filter((e) => e.semiSupervised === semi);
    if (group.length === 0) continue;
    for (const exp of group)
      rows.push(
        figureRow(
          [exp.title],
          columns.map((c) => results.cell(exp, c, figure)?.mean),
        ),
      );
    const groupMeans = new Map<string, number | undefined>();
    for (const c of columns) {
      const cells = group.map((e) => results.cell(e, c, figure)?.mean);
      groupMeans.set(c.id, cells.every((v) => v !== undefined) ? mean(cells as number[]) : undefined);
    }
    means.set(semi ? 'semi' : 'unsupervised', groupMeans);
    rows.push(
      figureRow(
        [`*mean, ${semi ? 'known types' : 'no labels'} (${group.length})*`],
        columns.map((c) => groupMeans.get(c.id)),
      ),
    );
  }
  return {
    table: markdownTable(['experiment', ...columns.map((c) => c.name)], rows, [
      'l',
      ...columns.map(() => 'r' as const),
    ]),
    means,
  };
}

/** Known vs unseen types per experiment: 'AUROC / AUPR', each the mean over the group's types. */
function groupsTable(
  results: Results,
  experiments: ReadonlyArray<QualityExperiment>,
  columns: ReadonlyArray<Column>,
): string {
  const rows: string[][] = [];
  for (const exp of experiments) {
    for (const g of ['known', 'unseen'] as const) {
      const cells = columns.map((c) => ({
        auroc: results.cell(exp, c, (r) => r.groups[g]?.auroc)?.mean,
        aupr: results.cell(exp, c, (r) => r.groups[g]?.aupr)?.mean,
      }));
      if (cells.every((x) => x.auroc === undefined)) continue;
      const first = columns.map((c) => results.ok(exp, c)[0]).find((r) => r !== undefined);
      const types = first?.perType.filter((t) => t.known === (g === 'known')).map((t) => t.type) ?? [];
      const best = bestCells(cells.map((x) => x.auroc));
      rows.push([
        exp.title,
        `${g}: ${types.join(', ')}`,
        ...cells.map((x, i) => {
          const text = x.auroc === undefined ? '—' : `${fmt(x.auroc)} / ${fmt(x.aupr)}`;
          return best.has(i) ? `**${text}**` : text;
        }),
      ]);
    }
  }
  return markdownTable(['experiment', 'types', ...columns.map((c) => c.name)], rows, [
    'l',
    'l',
    ...columns.map(() => 'r' as const),
  ]);
}

/** AUROC of each anomaly type against the normal rows. */
function perTypeTable(
  results: Results,
  experiments: ReadonlyArray<QualityExperiment>,
  columns: ReadonlyArray<Column>,
): string {
  const rows: string[][] = [];
  for (const exp of experiments) {
    const first = columns.map((c) => results.ok(exp, c)[0]).find((r) => r !== undefined);
    if (first === undefined) continue;
    const types = [...first.perType].sort(
      (a, b) => Number(b.known) - Number(a.known) || a.type.localeCompare(b.type, 'en', { numeric: true }),
    );
    for (const t of types)
      rows.push(
        figureRow(
          [exp.title, `${t.type} (${t.known ? 'known' : 'unseen'})`, String(t.count)],
          columns.map((c) => results.cell(exp, c, (r) => r.perType.find((x) => x.type === t.type)?.auroc)?.mean),
        ),
      );
  }
  return markdownTable(['experiment', 'type', 'rows', ...columns.map((c) => c.name)], rows, [
    'l',
    'l',
    'r',
    ...columns.map(() => 'r' as const),
  ]);
}

/** Seconds per fit (training; the peers: training and scoring), mean over seeds. */
function timeTable(
  results: Results,
  experiments: ReadonlyArray<QualityExperiment>,
  columns: ReadonlyArray<Column>,
): string {
  const rows = experiments.map((exp) => [
    exp.title,
    ...columns.map((c) => {
      const v = results.cell(exp, c, (r) => r.fitSeconds)?.mean;
      return v === undefined ? '—' : v.toFixed(1);
    }),
  ]);
  return markdownTable(['experiment', ...columns.map((c) => c.name)], rows, ['l', ...columns.map(() => 'r' as const)]);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const args = parseArgs(process.argv.slice(2));
  const wantedPeers = args.columns.flatMap((c) => (c.kind === 'peer' ? [c.id] : []));
  const { peers, versions } = availablePeers(args.python, wantedPeers);
  const columns = args.columns.filter((c) => c.kind === 'synthad' || peers.includes(c.id));
  const results = new Results();
  let computeDetail: string | undefined;
  log(
    `bench: ${args.experiments.length} experiments x ${args.seeds.length} seeds; columns: ${columns.map((c) => c.id).join(', ')}`,
  );
  for (const exp of args.experiments) {
    for (const seed of args.seeds) {
      const p = await prepare(exp, seed);
      log(
        `${exp.id} seed ${seed}: ${p.y.length} training rows (${p.y.filter((v) => v === 1).length} anomalies), ${p.test.rowCount} test rows, ${p.width} encoded columns`,
      );
      for (const col of columns) {
        if (col.kind !== 'synthad') continue;
        const run = await runSynthad(col, exp, seed, p);
        computeDetail ??= run.status === 'ok' ? run.computeDetail : undefined;
        const { computeDetail: _detail, ...stored } = run as Run & { computeDetail?: string };
        results.add(exp, col, stored);
        log(describeRun(exp, seed, col, stored));
      }
      if (peers.length > 0) {
        const byPeer = await runPeers(peers, exp, seed, p, args.python);
        for (const col of columns) {
          if (col.kind !== 'peer') continue;
          const run = byPeer.get(col.id);
          if (run === undefined) continue;
          results.add(exp, col, run);
          log(describeRun(exp, seed, col, run));
        }
      }
    }
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  const auroc = overallTable(results, args.experiments, columns, (r) => r.auroc);
  const aupr = overallTable(results, args.experiments, columns, (r) => r.aupr);
  const goals = goalLines(results, args.experiments, columns, auroc.means);
  const seedsText = args.seeds.join(', ');
  const md = [
    `# Detection quality (mean over seeds ${seedsText}; best of each row in bold)`,
    '',
    'Every column trains on the same rows (normal rows + the known types; without labels, normal rows only), ' +
      "encoded by SynthAD's encoder, and is measured on the same test rows with src/core/metrics.ts. SynthAD " +
      'methods at their defaults; XGBoost: normal vs known, 300 rounds, depth 6, learning rate 0.1, hist; ' +
      'IForest (sklearn): 100 trees, 256 samples, normal rows. — : the method refuses the experiment (no labels).',
    '',
    '## AUROC, all anomalies vs normal',
    '',
    auroc.table,
    '',
    '## AUPR (average precision), all anomalies vs normal',
    '',
    aupr.table,
    '',
    '## Known vs unseen anomaly types (AUROC / AUPR, mean over the types of each group; bold: best AUROC)',
    '',
    groupsTable(results, args.experiments, columns),
    '',
    '## AUROC per anomaly type (that type vs all normal rows)',
    '',
    perTypeTable(results, args.experiments, columns),
    '',
    '## Seconds per fit (mean over seeds; peers: fit and score)',
    '',
    timeTable(results, args.experiments, columns),
    '',
    '## Goal check (ensemble `auto`, AUROC)',
    '',
    ...goals.map((g) => `- ${g.text}`),
    '',
    `Total time: ${(totalSeconds / 60).toFixed(1)} min on ${os.cpus().length} cores (${computeDetail ?? 'no SynthAD fit'}` +
      `${versions ? `; ${versions}` : ''}).`,
  ].join('\n');
  process.stdout.write(md + '\n');
  writeJson(args, columns, results, auroc.means, aupr.means, goals, totalSeconds, computeDetail, versions);
  log(`bench: total ${(totalSeconds / 60).toFixed(1)} min; wrote ${path.relative(process.cwd(), args.out)}`);
}

function describeRun(exp: QualityExperiment, seed: number, col: Column, run: Run): string {
  const head = `${exp.id} seed ${seed} ${col.id}`;
  if (run.status === 'refused') return `${head}: refused (${run.reason})`;
  const score = run.scoreSeconds > 0 ? `, score ${run.scoreSeconds.toFixed(1)} s` : '';
  return `${head}: fit ${run.fitSeconds.toFixed(1)} s${score}; AUROC ${run.auroc.toFixed(4)} AUPR ${run.aupr.toFixed(4)}`;
}

interface GoalLine {
  readonly experiment: string;
  readonly pass: boolean | undefined;
  readonly text: string;
}

function goalLines(
  results: Results,
  experiments: ReadonlyArray<QualityExperiment>,
  columns: ReadonlyArray<Column>,
  means: Map<string, Map<string, number | undefined>>,
): GoalLine[] {
  const auto = columns.find((c) => c.id === 'auto');
  if (auto === undefined)
    return [
      {
        experiment: '',
        pass: undefined,
        text: 'no method `auto` in this run (not registered, or not chosen): no goal check',
      },
    ];
  const col = (id: string): Column | undefined => columns.find((c) => c.id === id);
  const value = (exp: QualityExperiment, c: Column | undefined): number | undefined =>
    c === undefined ? undefined : results.cell(exp, c, (r) => r.auroc)?.mean;
  const lines: GoalLine[] = experiments.map((exp) => {
    const g = experimentGoal({
      auto: value(exp, auto),
      xgboost: value(exp, col('xgboost')),
      iforest: value(exp, col('sk-iforest')),
      semiSupervised: exp.semiSupervised,
    });
    return { experiment: exp.id, pass: g.pass, text: `${exp.title}: ${g.text}` };
  });
  for (const [group, m] of means) {
    const g = meanGoal(
      { auto: m.get('auto'), xgboost: m.get('xgboost'), iforest: m.get('sk-iforest') },
      group === 'semi',
    );
    lines.push({
      experiment: `mean-${group}`,
      pass: g.pass,
      text: `mean, ${group === 'semi' ? 'known types' : 'no labels'}: ${g.text}`,
    });
  }
  return lines;
}

function writeJson(
  args: Args,
  columns: ReadonlyArray<Column>,
  results: Results,
  aurocMeans: Map<string, Map<string, number | undefined>>,
  auprMeans: Map<string, Map<string, number | undefined>>,
  goals: ReadonlyArray<GoalLine>,
  totalSeconds: number,
  computeDetail: string | undefined,
  versions: string,
): void {
  const summary = (exp: QualityExperiment, c: Column): Record<string, unknown> => {
    const refused = results.refusal(exp, c);
    if (refused !== undefined) return { refused };
    const pick = (f: (r: OkRun) => number | undefined): Cell => results.cell(exp, c, f);
    return {
      auroc: pick((r) => r.auroc),
      aupr: pick((r) => r.aupr),
      knownTypes: { auroc: pick((r) => r.groups.known?.auroc), aupr: pick((r) => r.groups.known?.aupr) },
      unseenTypes: { auroc: pick((r) => r.groups.unseen?.auroc), aupr: pick((r) => r.groups.unseen?.aupr) },
      fitSeconds: pick((r) => r.fitSeconds),
    };
  };
  const json = {
    seeds: args.seeds,
    totalSeconds,
    cores: os.cpus().length,
    computeDetail,
    python: args.python,
    pythonModules: versions,
    columns: columns.map((c) =>
      c.kind === 'synthad'
        ? { id: c.id, name: c.name, method: c.method, options: c.options }
        : { id: c.id, name: c.name, peer: true },
    ),
    experiments: args.experiments.map((exp) => ({
      id: exp.id,
      title: exp.title,
      semiSupervised: exp.semiSupervised,
      known: exp.known,
      summary: Object.fromEntries(columns.map((c) => [c.id, summary(exp, c)])),
      runs: Object.fromEntries(columns.map((c) => [c.id, results.runs.get(key(exp, c)) ?? []])),
    })),
    means: {
      auroc: Object.fromEntries([...aurocMeans].map(([g, m]) => [g, Object.fromEntries(m)])),
      aupr: Object.fromEntries([...auprMeans].map(([g, m]) => [g, Object.fromEntries(m)])),
    },
    goals,
  };
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, JSON.stringify(json, null, 1) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:quality: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
