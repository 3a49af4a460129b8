/**
 * `synthad`: train, score and evaluate from a terminal with the same core the notebook uses.
 * Results go to stdout (or files); progress and messages go to stderr.
 */
import { ArgSpec, numberArg, parseArgs, ParsedArgs, UsageError } from './args';
import { endProgress, progressPrinter } from './progress';
import { loadDataset, loadTable } from '../core/data';
import type { Dataset, LoadOptions } from '../core/data/types';
import { formatContribution } from '../core/explain';
import { Detector } from '../core/detector';
import { DetectorMethod, DetectorOptions } from '../core/options';
import { loadDetector, saveDetector } from '../core/persist';
import * as path from 'path';
import { formatReport, reportSummary } from '../core/report';
import { writeDetectReport, writeHtmlReport } from '../core/htmlReport';
import { writeCsv } from '../core/export';
import { SynthadInputError } from '../core/errors';
import { BackendUnavailableError, lastBackendHint } from '../core/backend';
import { SYNTHAD_VERSION } from '../core/version';

const USAGE = `synthad ${SYNTHAD_VERSION}: anomaly detection with synthetic anomalies

Usage:
  synthad train DATA [--label COL --normal V [--known V...]] [options] --out MODEL_DIR
  synthad detect DATA [--top 20] [--out SCORES.csv] [--report DIR] [--json] [--label COL --normal V] [options]
  synthad score MODEL_DIR DATA --out SCORES.csv [--backend B] [--threads N]
  synthad evaluate --train A --test B --label COL --normal V [--known V...] [options] [--json] [--report DIR]
  synthad evaluate --model MODEL_DIR --test B --label COL --normal V [--json] [--report DIR]   (a saved model, e.g. trained without labels)

No labels? train and detect without --label learn from every row (unsupervised); detect trains on the
  file, scores it and lists the --top N most anomalous rows with the features that make them so.
Data: CSV/TSV (delimiter sniffed), JSON (array of records) or JSON Lines.
  --label COL           the label column (empty cells, when most are empty, mean unknown: trained as normal)
  --normal V...         its normal value(s)
  --known V...          anomaly types to train on (default: every anomaly type in the training data)
  --unsupervised        train on no known anomalies (normal rows and synthetic anomalies only)
  --drop COL...         columns to ignore          --categorical COL...  force columns categorical
Output (evaluate): a metrics table; --json one JSON object instead; --report DIR also writes scores.png,
  roc.png, pr.png, training.png and report.html into DIR.
Detector:
  --detector vcsa|vc|iforest   (default vcsa: classifier with synthetic anomalies)
  --seed N (0)  --epochs N (200)  --patience N (7)  --batch-size N (1024)  --hidden 500,500
  --lr X (1e-3)  --weight-decay X (1e-2)  --loss hinge|bce  --activation leaky_relu|relu
  --val-split X (0.2)  --ratio X (synthetic per real row, 1)  --delta X (0)  --fpr X (threshold FPR, 0.05)
  --contamination P     expected anomaly fraction in (0, 0.5]: the threshold flags that share of the training rows
Compute:
  --backend auto|blas|tensorflow|wasm|cpu (or SYNTHAD_BACKEND; auto: the platform's BLAS, else tfjs-node, else wasm)
  --threads N (0 = every core; SYNTHAD_THREADS)  --quiet (no progress)
`;

const DATA_VALUES = ['label', 'seed', 'epochs', 'patience', 'batch-size', 'hidden', 'lr', 'weight-decay', 'loss',
  'activation', 'val-split', 'ratio', 'delta', 'fpr', 'backend', 'threads', 'detector', 'out', 'contamination'];
const DATA_LISTS = ['normal', 'known', 'drop', 'categorical'];

const SPECS: Record<string, ArgSpec> = {
  train: { values: DATA_VALUES, lists: DATA_LISTS, flags: ['unsupervised', 'quiet', 'json'] },
  evaluate: { values: [...DATA_VALUES, 'train', 'test', 'report', 'model'], lists: DATA_LISTS, flags: ['unsupervised', 'quiet', 'json'] },
  score: { values: ['out', 'backend', 'threads'], lists: [], flags: ['quiet'] },
  detect: { values: [...DATA_VALUES, 'top', 'report'], lists: DATA_LISTS, flags: ['unsupervised', 'quiet', 'json'] },
};

export async function main(argv: ReadonlyArray<string>): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === 'version') { process.stdout.write(SYNTHAD_VERSION + '\n'); return 0; }
  if (SPECS[command] && (rest.includes('--help') || rest.includes('-h'))) { process.stdout.write(USAGE); return 0; }
  try {
    const spec = SPECS[command];
    if (!spec) throw new UsageError(`unknown command '${command}' (commands: train, detect, score, evaluate)`);
    const args = parseArgs(rest, spec);
    if (command === 'train') await train(args);
    else if (command === 'score') await score(args);
    else if (command === 'detect') await detect(args);
    else await evaluate(args);
    return 0;
  } catch (err) {
    endProgress(process.stderr);
    if (err instanceof UsageError) { process.stderr.write(`synthad: ${err.message}\nRun 'synthad help' for usage.\n`); return 2; }
    if (err instanceof SynthadInputError || err instanceof RangeError || err instanceof BackendUnavailableError) { process.stderr.write(`synthad: ${err.message}\n`); return 1; }
    process.stderr.write(`synthad: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    return 70;
  }
}

function loadOptions(args: ParsedArgs, labelRequired = true): LoadOptions {
  const label = args.values.get('label');
  if (label === undefined && !labelRequired) {
    if (args.lists.has('normal')) throw new UsageError('--normal needs --label COL (the column holding normal/anomaly labels)');
    if (args.lists.has('known')) throw new UsageError('--known needs --label COL (the column holding normal/anomaly labels)');
    return { drop: args.lists.get('drop'), categorical: args.lists.get('categorical') };
  }
  if (label === undefined) throw new UsageError('--label COL is required (the column holding normal/anomaly labels)');
  const normal = args.lists.get('normal');
  if (normal === undefined) throw new UsageError(`--normal V is required (the value of '${label}' that means normal)`);
  return { label, normal, drop: args.lists.get('drop'), categorical: args.lists.get('categorical') };
}

function detectorOptions(args: ParsedArgs): Partial<DetectorOptions> {
  if (args.flags.has('unsupervised') && args.lists.has('known')) throw new UsageError('--unsupervised and --known exclude each other');
  const hidden = args.values.get('hidden');
  return {
    method: args.values.get('detector') as DetectorMethod | undefined,
    known: args.flags.has('unsupervised') ? [] : args.lists.get('known'),
    seed: numberArg(args, 'seed', true),
    epochs: numberArg(args, 'epochs', true),
    patience: numberArg(args, 'patience', true),
    batchSize: numberArg(args, 'batch-size', true),
    hidden: hidden === undefined ? undefined : hidden.split(',').map((h) => Number(h)),
    learningRate: numberArg(args, 'lr'),
    weightDecay: numberArg(args, 'weight-decay'),
    loss: args.values.get('loss') as DetectorOptions['loss'] | undefined,
    activation: args.values.get('activation') as DetectorOptions['activation'] | undefined,
    validationSplit: numberArg(args, 'val-split'),
    syntheticRatio: numberArg(args, 'ratio'),
    delta: numberArg(args, 'delta'),
    targetFpr: numberArg(args, 'fpr'),
    contamination: numberArg(args, 'contamination'),
    ...computeOptions(args),
  };
}

/** --backend and --threads (threads also from SYNTHAD_THREADS). */
function computeOptions(args: ParsedArgs): Pick<Partial<DetectorOptions>, 'backend' | 'threads'> {
  const env = process.env.SYNTHAD_THREADS?.trim();
  let threads = numberArg(args, 'threads', true);
  if (threads === undefined && env) {
    threads = Number(env);
    if (!Number.isInteger(threads) || threads < 0) throw new UsageError(`SYNTHAD_THREADS must be an integer >= 0, got '${env}'`);
  }
  return { backend: args.values.get('backend') as DetectorOptions['backend'] | undefined, threads };
}

/** The one-time hint when training fell back from BLAS, on stderr. */
function printBackendHint(): void {
  const hint = lastBackendHint();
  if (hint) process.stderr.write(`synthad: ${hint}\n`);
}

function onePositional(args: ParsedArgs, what: string): string {
  if (args.positional.length !== 1) throw new UsageError(`expected one ${what}, got ${args.positional.length ? args.positional.join(' ') : 'none'}`);
  return args.positional[0];
}

async function fitWithProgress(args: ParsedArgs, trainFile: string, data?: Dataset): Promise<Detector> {
  const detector = new Detector(detectorOptions(args));
  data ??= await loadDataset(trainFile, loadOptions(args));
  const abort = new AbortController();
  const stop = (): void => { process.stderr.write('\nsynthad: stopping after this batch (Ctrl+C again to quit now)\n'); abort.abort(); process.off('SIGINT', stop); };
  process.on('SIGINT', stop);
  try {
    await detector.fit(data, {
      onEpoch: args.flags.has('quiet') ? undefined : progressPrinter(process.stderr, detector.name),
      signal: abort.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    endProgress(process.stderr);
  }
  printBackendHint();
  return detector;
}

async function train(args: ParsedArgs): Promise<void> {
  const file = onePositional(args, 'training data file');
  const out = args.values.get('out');
  if (out === undefined) throw new UsageError('--out MODEL_DIR is required (the folder to save the model in)');
  const detector = await fitWithProgress(args, file, await loadDataset(file, loadOptions(args, false)));
  await saveDetector(detector, out);
  const s = detector.fitted.summary;
  const summary = { model: out, detector: detector.name, backend: s.backend, backendDetail: s.backendDetail, threads: s.threads, epochs: s.epochs, bestEpoch: s.bestEpoch,
    trainSeconds: s.seconds, rowsPerSecond: s.rowsPerSecond, knownTypes: s.knownTypes, threshold: detector.fitted.threshold };
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(summary) + '\n');
  else process.stdout.write(`saved ${detector.name} model to ${out} (${s.epochs} epochs, best ${s.bestEpoch}, ${s.seconds.toFixed(1)} s on ${s.backendDetail})\n`);
}

async function score(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 2) throw new UsageError('expected MODEL_DIR and DATA');
  const [modelDir, dataFile] = args.positional;
  const out = args.values.get('out');
  if (out === undefined) throw new UsageError('--out SCORES.csv is required');
  const detector = await loadDetector(modelDir, computeOptions(args));
  const table = await loadTable(dataFile);
  const scores = detector.score(table);
  const t = detector.fitted.threshold;
  writeCsv(out, table, [
    { name: 'score', values: scores },
    { name: 'prediction', values: Uint8Array.from(scores, (s) => (s > t ? 1 : 0)) },
  ]);
  printBackendHint();
  if (!args.flags.has('quiet')) process.stderr.write(`synthad: scored ${table.rowCount} rows into ${out} on ${detector.computeDetail}\n`);
}

async function evaluate(args: ParsedArgs): Promise<void> {
  if (args.positional.length > 0) throw new UsageError(`unexpected argument '${args.positional[0]}' (use --train A --test B)`);
  const trainFile = args.values.get('train'), testFile = args.values.get('test'), modelDir = args.values.get('model');
  if (modelDir !== undefined && trainFile !== undefined) throw new UsageError('--model and --train exclude each other (evaluate a saved model, or train one)');
  if ((trainFile === undefined && modelDir === undefined) || testFile === undefined) {
    throw new UsageError('--train FILE (or --model MODEL_DIR) and --test FILE are required');
  }
  const test = await loadDataset(testFile, loadOptions(args));
  const detector = modelDir !== undefined ? await loadDetector(modelDir, computeOptions(args)) : await fitWithProgress(args, trainFile!);
  const report = detector.evaluate(test);
  const s = detector.fitted.summary;
  const reportDir = args.values.get('report');
  if (reportDir !== undefined) {
    const files = writeHtmlReport(reportDir, report, s, detector.options.epochs);
    if (!args.flags.has('quiet')) process.stderr.write(`synthad: wrote ${files.map((f) => path.basename(f)).join(', ')} to ${reportDir}\n`);
  }
  if (args.flags.has('json')) {
    const result = {
      ...reportSummary(report), backend: s.backend, backendDetail: s.backendDetail, threads: s.threads, seed: detector.options.seed, epochs: s.epochs, bestEpoch: s.bestEpoch,
      trainSeconds: s.seconds, secondsPerEpoch: s.epochs > 0 ? s.seconds / s.epochs : 0, rowsPerSecond: s.rowsPerSecond,
      trainRows: s.trainRows, validationRows: s.validationRows, syntheticRows: s.syntheticRows,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    process.stdout.write(formatReport(report) + '\n');
    process.stdout.write(`\nTrained ${s.epochs} epochs (best ${s.bestEpoch}) in ${s.seconds.toFixed(1)} s on ${s.backendDetail}, ` +
      `${Math.round(s.rowsPerSecond)} rows/s; ${s.trainRows} real + ${s.syntheticRows} synthetic training rows.\n`);
  }
}

async function detect(args: ParsedArgs): Promise<void> {
  const file = onePositional(args, 'data file');
  const k = numberArg(args, 'top', true) ?? 20;
  if (k < 1) throw new UsageError(`--top must be at least 1, got ${k}`);
  const data = await loadDataset(file, loadOptions(args, false));
  const detector = await fitWithProgress(args, file, data);
  const scores = detector.score(data);
  const t = detector.fitted.threshold;
  const flagged = scores.reduce((a, s) => a + (s > t ? 1 : 0), 0);
  const top = detector.top(data, k);
  const out = args.values.get('out');
  if (out !== undefined) {
    writeCsv(out, data, [
      { name: 'score', values: scores },
      { name: 'prediction', values: Uint8Array.from(scores, (s) => (s > t ? 1 : 0)) },
    ]);
    if (!args.flags.has('quiet')) process.stderr.write(`synthad: wrote ${data.rowCount} scored rows to ${out}\n`);
  }
  const reportDir = args.values.get('report');
  if (reportDir !== undefined) {
    const files = writeDetectReport(reportDir, { detector: detector.name, source: file, scores, threshold: t, top }, detector.fitted.summary, detector.options.epochs);
    if (!args.flags.has('quiet')) process.stderr.write(`synthad: wrote ${files.map((f) => path.basename(f)).join(', ')} to ${reportDir}\n`);
  }
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify({ detector: detector.name, source: file, rows: data.rowCount, flagged, threshold: t, top }) + '\n');
    return;
  }
  const where = data.lineOfRow === undefined ? 'record' : 'line';
  const lines = [
    `${detector.name} on ${file}: ${data.rowCount} rows, ${flagged} above the threshold ${t.toPrecision(4)}; the ${top.length} highest scores:`,
    '',
    ['rank'.padEnd(5), where.padStart(7), 'score'.padStart(10), '  flagged  ', 'why (feature = value, training range)'].join(''),
    ...top.map((r, i) => [
      String(i + 1).padEnd(5), String(r.line ?? r.row + 1).padStart(7), r.score.toFixed(4).padStart(10),
      `  ${(r.flagged ? 'yes' : 'no').padEnd(7)}  `, r.explanation.map(formatContribution).join('; '),
    ].join('')),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
