/**
 * `synthad`: train, score and evaluate from a terminal with the same core the notebook uses.
 * Results go to stdout (or files); progress and messages go to stderr.
 */
import { ArgSpec, numberArg, parseArgs, ParsedArgs, UsageError } from './args';
import { endProgress, progressPrinter, rowProgress } from './progress';
import { loadDataset, loadTable } from '../core/data';
import type { Dataset, LoadOptions } from '../core/data/types';
import { describeSample, MAX_SAMPLE } from '../core/data/sample';
import { formatContribution } from '../core/explain';
import { checkScoringColumns, Detector, methodNames, predictFromScores } from '../core/detector';
import type { TrainingSummary } from '../core/detector';
import { commandLineOptions, DetectorOptions, FlagValue, resolveOptions } from '../core/options';
import { checkModelFolder, loadDetector, MODEL_FILE, saveDetector } from '../core/persist';
import * as os from 'os';
import * as path from 'path';
import { reportSummary } from '../core/report';
import { formatReport } from '../presentation/reportTable';
import { writeDetectReport, writeHtmlReport } from '../presentation/htmlReport';
import { checkOutputFile, checkOutputFolder, writeScoresCsv } from '../presentation/csvOutput';
import { removeAllPartials } from '../core/safeFiles';
import { canStream, scoreFileStreaming } from '../core/scoreStream';
import { SynthadInputError } from '../core/errors';
import { exportOnnx, ONNX_ML_OPSET, ONNX_OPSET } from '../export/onnx';
import { BackendUnavailableError, lastBackendHint, resolveThreads } from '../core/backend';
import { fullGc } from '../core/gc';
import { SYNTHAD_VERSION } from '../core/version';

const USAGE = `synthad ${SYNTHAD_VERSION}: anomaly detection with synthetic anomalies

Usage:
  synthad train DATA [--label COL --normal V [--known V...]] [options] --out MODEL_DIR
  synthad detect DATA [--top 20] [--out SCORES.csv] [--report DIR] [--json] [--label COL --normal V] [options]
  synthad score MODEL_DIR DATA --out SCORES.csv [--backend B] [--threads N]   (streamed: CSV, TSV, JSONL, also .gz, in and out)
  synthad export MODEL_DIR --onnx MODEL.onnx [--double]   (one ONNX graph: raw columns in, score and prediction out)
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
  --decimal , | .       the decimal separator (default: ',' is read as one in ';'-separated files when cells look like 0,97)
  --sample N            train on a uniform random sample of N rows per --label value (of the file without --label),
                        drawn by --seed while the file streams: for files larger than memory. evaluate: the --train
                        file only; detect: trains on and scores the sample (score a whole file with synthad score)
Output (evaluate): a metrics table; --json one JSON object instead; --report DIR also writes scores.png,
  roc.png, pr.png, training.png and report.html into DIR.
Detector:
  --detector ${methodNames().join('|')}   (default auto: the ensemble)
  --members M,M (gbt-sa,gbt,iforest)  --calibration-split X (0.2)  --ensemble-margin X (0.05)
  --ensemble-min-anomalies N (5)   (auto: members, rows held out to weigh them, the weighing rule)
  --synthetic marginal|uniform (marginal: flags at their frequencies; uniform: the paper's)
  --seed N (0)  --epochs N (200)  --patience N (7)  --batch-size N (1024)  --hidden 500,500   (vcsa, vc)
  --trees N (100)  --max-samples N (256)   (iforest)
  --rounds N (300)  --depth N (6)  --eta X (0.1)  --lambda X (1)  --min-child-weight X (1)  --bins N (256)
  --early-stop N (20 rounds without a better validation loss; 0: never)   (gbt-sa, gbt: boosted trees)
  --lr X (1e-3)  --weight-decay X (1e-2)  --loss hinge|bce  --activation leaky_relu|relu
  --val-split X (0.2)  --ratio X (synthetic per real row, 1)  --delta X (0)  --fpr X (threshold FPR, 0.05)
  --contamination P     expected anomaly fraction in (0, 0.5]: the threshold flags that share of the training rows
Compute:
  --backend auto|blas|tensorflow|wasm|cpu (or SYNTHAD_BACKEND; auto: the platform's BLAS, else tfjs-node, else wasm)
  --threads N (0 = every core; SYNTHAD_THREADS)  --quiet (no progress)
                        train: data-parallel worker threads; score: worker threads that parse, score and write
                        blocks of rows (a file of one block of 2048 rows is scored on one thread)
`;

/** The values the data commands take: the detector options' flags (the registered methods') and the data's. */
const dataValues = (): string[] => ['label', ...commandLineOptions().map((o) => o.flag), 'out', 'decimal', 'sample'];

/** Detector options as the command line names them, for messages (`--lr`, not `learningRate`). */
function flagName(key: string): string {
  const option = commandLineOptions().find((o) => o.key === key);
  return option ? `--${option.flag}` : `detector option '${key}'`;
}

/**
 * Text for a terminal: control characters (escape sequences, carriage returns, backspaces) and bidi
 * overrides removed, newlines and tabs kept, so a column name or cell cannot rewrite the screen.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');
}
const out = (text: string): void => {
  process.stdout.write(terminalSafe(text));
};
const err = (text: string): void => {
  process.stderr.write(terminalSafe(text));
};

/** Set while training: the first Ctrl+C stops after the current batch instead of quitting. */
let stopTraining: (() => void) | undefined;

/** Ctrl+C, SIGTERM, SIGHUP: partial output files are removed before the process ends (exit 128 + signal). */
function onSignal(signal: NodeJS.Signals): void {
  if (signal === 'SIGINT' && stopTraining) {
    const stop = stopTraining;
    stopTraining = undefined;
    stop();
    return;
  }
  removeAllPartials();
  endProgress(process.stderr);
  err(`synthad: ${signal === 'SIGINT' ? 'interrupted' : `ended by ${signal}`}; no partial output left behind\n`);
  process.exit(128 + (os.constants.signals[signal] ?? 0));
}
const SIGNALS: ReadonlyArray<NodeJS.Signals> = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const DATA_LISTS = ['normal', 'known', 'drop', 'categorical'];

/** Each command's flags. */
const specs = (data = dataValues()): Record<string, ArgSpec> => ({
  train: { values: data, lists: DATA_LISTS, flags: ['unsupervised', 'quiet', 'json'] },
  evaluate: {
    values: [...data, 'train', 'test', 'report', 'model'],
    lists: DATA_LISTS,
    flags: ['unsupervised', 'quiet', 'json'],
  },
  score: { values: ['out', 'backend', 'threads', 'decimal'], lists: [], flags: ['quiet'] },
  detect: { values: [...data, 'top', 'report'], lists: DATA_LISTS, flags: ['unsupervised', 'quiet', 'json'] },
  export: { values: ['onnx'], lists: [], flags: ['quiet', 'double'] },
});

export async function main(argv: ReadonlyArray<string>): Promise<number> {
  const [command, ...rest] = argv;
  const commands = specs();
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === 'version') {
    out(SYNTHAD_VERSION + '\n');
    return 0;
  }
  if (commands[command] && (rest.includes('--help') || rest.includes('-h'))) {
    out(USAGE);
    return 0;
  }
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    const spec = commands[command];
    if (!spec) throw new UsageError(`unknown command '${command}' (commands: train, detect, score, evaluate, export)`);
    const args = parseArgs(rest, spec);
    if (command === 'train') await train(args);
    else if (command === 'score') await score(args);
    else if (command === 'detect') await detect(args);
    else if (command === 'export') await exportModel(args);
    else await evaluate(args);
    return 0;
  } catch (e) {
    endProgress(process.stderr);
    removeAllPartials();
    if (e instanceof UsageError) {
      err(`synthad: ${oneLine(e.message)}\nRun 'synthad help' for usage.\n`);
      return 2;
    }
    if (e instanceof SynthadInputError || e instanceof BackendUnavailableError) {
      err(`synthad: ${oneLine(e.message)}\n`);
      return 1;
    }
    err(
      `synthad: internal error (a bug in SynthAD; please report it with this trace): ${e instanceof Error ? e.stack : String(e)}\n`,
    );
    return 70;
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    stopTraining = undefined;
  }
}

/** A user-facing message on one line (a file name or cell with a newline cannot break it). */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

/** --decimal: ',' or '.'. */
function decimalOption(args: ParsedArgs): Pick<LoadOptions, 'decimal'> {
  const decimal = args.values.get('decimal');
  if (decimal === undefined) return {};
  if (decimal !== ',' && decimal !== '.') throw new UsageError(`--decimal must be ',' or '.', got '${decimal}'`);
  return { decimal };
}

/** `training`: the file a detector trains on, the one --sample applies to. */
function loadOptions(args: ParsedArgs, labelRequired = true, training = false): LoadOptions {
  return { ...labelOptions(args, labelRequired), ...decimalOption(args), ...(training ? sampleOption(args) : {}) };
}

/** --sample N: a sample of the training file, drawn with --seed (the detector's seed) so one seed repeats a run. */
function sampleOption(args: ParsedArgs): Pick<LoadOptions, 'sample' | 'sampleSeed'> {
  const sample = numberArg(args, 'sample', true);
  if (sample === undefined) return {};
  if (sample < 1 || sample > MAX_SAMPLE)
    throw new UsageError(`--sample must be from 1 to ${MAX_SAMPLE} rows, got ${sample}`);
  return { sample, sampleSeed: numberArg(args, 'seed', true) ?? 0 };
}

/** The one line about a sample (`synthad: trained on a sample of 10000 of 1000000 rows (seed 0), …`), on stderr. */
function printSample(args: ParsedArgs, data: Dataset, what = 'trained on'): void {
  if (data.sampled !== undefined && !args.flags.has('quiet')) err(`synthad: ${what} ${describeSample(data.sampled)}\n`);
}

function labelOptions(args: ParsedArgs, labelRequired: boolean): LoadOptions {
  const label = args.values.get('label');
  if (label === undefined && !labelRequired) {
    if (args.lists.has('normal'))
      throw new UsageError('--normal needs --label COL (the column holding normal/anomaly labels)');
    if (args.lists.has('known'))
      throw new UsageError('--known needs --label COL (the column holding normal/anomaly labels)');
    return { drop: args.lists.get('drop'), categorical: args.lists.get('categorical') };
  }
  if (label === undefined) throw new UsageError('--label COL is required (the column holding normal/anomaly labels)');
  const normal = args.lists.get('normal');
  if (normal === undefined) throw new UsageError(`--normal V is required (the value of '${label}' that means normal)`);
  return { label, normal, drop: args.lists.get('drop'), categorical: args.lists.get('categorical') };
}

/** The detector options from the command line, validated (bounds included) before any data is read. */
function detectorOptions(args: ParsedArgs): DetectorOptions {
  return resolveOptions(rawDetectorOptions(args), flagName);
}

function rawDetectorOptions(args: ParsedArgs): Partial<DetectorOptions> {
  if (args.flags.has('unsupervised') && args.lists.has('known'))
    throw new UsageError('--unsupervised and --known exclude each other');
  const options: Record<string, unknown> = { known: args.flags.has('unsupervised') ? [] : args.lists.get('known') };
  for (const { key, flag, value } of commandLineOptions()) options[key] = flagValue(args, flag, value);
  return { ...options, ...computeOptions(args) } as Partial<DetectorOptions>;
}

/** A detector option's flag as its option takes it; undefined when not given. */
function flagValue(args: ParsedArgs, flag: string, value: FlagValue): unknown {
  if (value === 'integer' || value === 'number') return numberArg(args, flag, value === 'integer');
  const text = args.values.get(flag);
  if (text === undefined || value === 'text') return text;
  const parsed = value.parse(text);
  if (parsed === undefined) throw new UsageError(`--${flag} must be ${value.expected}; got '${text}'`);
  return parsed;
}

/** --backend and --threads (threads also from SYNTHAD_THREADS). */
function computeOptions(args: ParsedArgs): Pick<Partial<DetectorOptions>, 'backend' | 'threads'> {
  const env = process.env.SYNTHAD_THREADS?.trim();
  let threads = numberArg(args, 'threads', true);
  if (threads === undefined && env) {
    threads = Number(env);
    if (!Number.isInteger(threads) || threads < 0)
      throw new UsageError(`SYNTHAD_THREADS must be an integer >= 0, got '${env}'`);
  }
  return { backend: args.values.get('backend') as DetectorOptions['backend'] | undefined, threads };
}

/** The one-time hint when training fell back from BLAS, on stderr. */
function printBackendHint(): void {
  const hint = lastBackendHint();
  if (hint) err(`synthad: ${hint}\n`);
}

/** Warnings about the input (not valid UTF-8, …) and about scoring (unseen categories, rows scored +Infinity). */
function printWarnings(warnings: ReadonlyArray<string> | undefined): void {
  for (const w of warnings ?? []) err(`synthad: warning: ${oneLine(w)}\n`);
}

function onePositional(args: ParsedArgs, what: string): string {
  if (args.positional.length !== 1)
    throw new UsageError(`expected one ${what}, got ${args.positional.length ? args.positional.join(' ') : 'none'}`);
  return args.positional[0];
}

async function fitWithProgress(args: ParsedArgs, options: DetectorOptions, data: Dataset): Promise<Detector> {
  const detector = new Detector(options);
  const abort = new AbortController();
  stopTraining = (): void => {
    err('\nsynthad: stopping after this batch (Ctrl+C again to quit now)\n');
    abort.abort();
  };
  try {
    await detector.fit(data, {
      onEpoch: args.flags.has('quiet') ? undefined : progressPrinter(process.stderr, detector.name),
      signal: abort.signal,
    });
  } finally {
    stopTraining = undefined;
    endProgress(process.stderr);
  }
  printBackendHint();
  return detector;
}

async function train(args: ParsedArgs): Promise<void> {
  const file = onePositional(args, 'training data file');
  const modelDir = args.values.get('out');
  if (modelDir === undefined) throw new UsageError('--out MODEL_DIR is required (the folder to save the model in)');
  const options = detectorOptions(args);
  checkModelFolder(modelDir);
  const data = await loadDataset(file, loadOptions(args, false, true));
  printWarnings(data.warnings);
  printSample(args, data);
  const detector = await fitWithProgress(args, options, data);
  await saveDetector(detector, modelDir);
  const s = detector.fitted.summary;
  const summary = {
    model: modelDir,
    detector: detector.name,
    backend: s.backend,
    backendDetail: s.backendDetail,
    threads: s.threads,
    epochs: s.epochs,
    bestEpoch: s.bestEpoch,
    trainSeconds: s.seconds,
    rowsPerSecond: s.rowsPerSecond,
    knownTypes: s.knownTypes,
    threshold: detector.fitted.threshold,
    ...(data.sampled === undefined ? {} : { sampled: data.sampled }),
  };
  if (args.flags.has('json')) out(JSON.stringify(summary) + '\n');
  else
    out(
      `saved ${detector.name} model to ${modelDir} (${s.epochs} epochs, best ${s.bestEpoch}, ${s.seconds.toFixed(1)} s on ${s.backendDetail})\n`,
    );
}

async function score(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 2) throw new UsageError('expected MODEL_DIR and DATA');
  const [modelDir, dataFile] = args.positional;
  const outFile = args.values.get('out');
  if (outFile === undefined) throw new UsageError('--out SCORES.csv is required');
  const inputs = [dataFile, path.join(modelDir, MODEL_FILE)];
  checkOutputFile(outFile, inputs, '--out');
  const chunkRows = chunkRowsOption();
  const compute = computeOptions(args);
  // --threads: worker threads that parse, score and format blocks (streamed input) while this thread reads
  // and writes; each scores on one thread, as does this one.
  const detector = await loadDetector(modelDir, { ...compute, threads: 1 });
  let rows: number;
  let where = detector.computeDetail;
  if (canStream(dataFile)) {
    const workers = resolveThreads(compute.threads);
    // CSV, TSV, JSON Lines (and .gz): read, scored and written chunk by chunk, memory flat.
    const progress = args.flags.has('quiet') ? undefined : rowProgress(process.stderr);
    let warnings: ReadonlyArray<string>;
    try {
      let used: number;
      ({
        rows,
        warnings,
        workers: used,
      } = await scoreFileStreaming(detector, dataFile, outFile, {
        ...decimalOption(args),
        chunkRows,
        workers,
        onProgress: progress?.update,
        collectGarbage: fullGc(),
      }));
      if (used > 1) where = `${used} worker threads (${where} each)`;
    } finally {
      progress?.end();
    }
    printWarnings(warnings);
  } else {
    // JSON arrays are read whole.
    const table = await loadTable(dataFile, decimalOption(args));
    printWarnings(table.warnings);
    const { scores, warnings } = detector.scoreDetailed(table);
    printWarnings(warnings);
    await writeScoresCsv(outFile, table, scores, detector.fitted.threshold, inputs);
    rows = table.rowCount;
  }
  printBackendHint();
  if (!args.flags.has('quiet')) err(`synthad: scored ${rows} rows into ${outFile} on ${where}\n`);
}

/** SYNTHAD_CHUNK_ROWS: rows per block of streamed scoring (tests use small blocks; default 2048). */
function chunkRowsOption(): number | undefined {
  const env = process.env.SYNTHAD_CHUNK_ROWS?.trim();
  if (!env) return undefined;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`SYNTHAD_CHUNK_ROWS must be an integer >= 1, got '${env}'`);
  return n;
}

async function evaluate(args: ParsedArgs): Promise<void> {
  if (args.positional.length > 0)
    throw new UsageError(`unexpected argument '${args.positional[0]}' (use --train A --test B)`);
  const trainFile = args.values.get('train'),
    testFile = args.values.get('test'),
    modelDir = args.values.get('model');
  if (modelDir !== undefined && trainFile !== undefined)
    throw new UsageError('--model and --train exclude each other (evaluate a saved model, or train one)');
  if ((trainFile === undefined && modelDir === undefined) || testFile === undefined) {
    throw new UsageError('--train FILE (or --model MODEL_DIR) and --test FILE are required');
  }
  if (modelDir !== undefined && args.values.has('sample'))
    throw new UsageError('--sample applies to the --train file; with --model nothing is trained');
  // Everything the run needs is checked before training: options, output folder, both files, their columns.
  const options = modelDir === undefined ? detectorOptions(args) : undefined;
  const reportDir = args.values.get('report');
  if (reportDir !== undefined) checkOutputFolder(reportDir, '--report');
  const test = await loadDataset(testFile, loadOptions(args));
  printWarnings(test.warnings);
  let detector: Detector;
  let sampled: Dataset['sampled'];
  if (modelDir !== undefined) {
    detector = await loadDetector(modelDir, computeOptions(args));
  } else {
    const train = await loadDataset(trainFile!, loadOptions(args, true, true));
    printWarnings(train.warnings);
    printSample(args, train);
    sampled = train.sampled;
    checkScoringColumns(train.features, test);
    detector = await fitWithProgress(args, options!, train);
  }
  const report = detector.evaluate(test);
  printWarnings(report.warnings);
  const s = detector.fitted.summary;
  if (reportDir !== undefined) {
    const files = writeHtmlReport(reportDir, report, s, detector.options.epochs);
    if (!args.flags.has('quiet'))
      err(`synthad: wrote ${files.map((f) => path.basename(f)).join(', ')} to ${reportDir}\n`);
  }
  if (args.flags.has('json')) {
    const result = {
      ...reportSummary(report),
      backend: s.backend,
      backendDetail: s.backendDetail,
      threads: s.threads,
      seed: detector.options.seed,
      epochs: s.epochs,
      bestEpoch: s.bestEpoch,
      trainSeconds: s.seconds,
      secondsPerEpoch: s.epochs > 0 ? s.seconds / s.epochs : 0,
      rowsPerSecond: s.rowsPerSecond,
      trainRows: s.trainRows,
      validationRows: s.validationRows,
      syntheticRows: s.syntheticRows,
      ...(sampled === undefined ? {} : { sampled }),
    };
    out(JSON.stringify(result) + '\n');
  } else {
    out(formatReport(report) + '\n');
    out(
      `\n${trainedText(s, report.members !== undefined)} in ${s.seconds.toFixed(1)} s on ${s.backendDetail}, ` +
        `${Math.round(s.rowsPerSecond)} rows/s; ${s.trainRows} real + ${s.syntheticRows} synthetic training rows.\n`,
    );
  }
}

/** `Trained 67 epochs (best 60)`, `Trained 185 rounds (best 165)`; an ensemble or a forest: `Trained`. */
function trainedText(s: TrainingSummary, ensemble: boolean): string {
  const unit = s.history[0]?.unit ?? 'epoch';
  return ensemble || s.epochs === 0 ? 'Trained' : `Trained ${s.epochs} ${unit}s (best ${s.bestEpoch})`;
}

async function detect(args: ParsedArgs): Promise<void> {
  const file = onePositional(args, 'data file');
  const k = numberArg(args, 'top', true) ?? 20;
  if (k < 1 || k > MAX_TOP) throw new UsageError(`--top must be from 1 to ${MAX_TOP}, got ${k}`);
  const options = detectorOptions(args);
  const outFile = args.values.get('out');
  if (outFile !== undefined) checkOutputFile(outFile, [file], '--out');
  const reportDir = args.values.get('report');
  if (reportDir !== undefined) checkOutputFolder(reportDir, '--report');
  const data = await loadDataset(file, loadOptions(args, false, true));
  printWarnings(data.warnings);
  printSample(args, data, 'trained on and scored');
  const detector = await fitWithProgress(args, options, data);
  const { scores, warnings } = detector.scoreDetailed(data);
  printWarnings(warnings);
  const t = detector.fitted.threshold;
  const predictions = predictFromScores(scores, t);
  const flagged = predictions.reduce((a, p) => a + p, 0);
  const top = detector.top(data, k);
  if (outFile !== undefined) {
    await writeScoresCsv(outFile, data, scores, t, [file]);
    if (!args.flags.has('quiet')) err(`synthad: wrote ${data.rowCount} scored rows to ${outFile}\n`);
  }
  if (reportDir !== undefined) {
    const files = writeDetectReport(
      reportDir,
      { detector: detector.name, source: file, scores, threshold: t, top },
      detector.fitted.summary,
      detector.options.epochs,
    );
    if (!args.flags.has('quiet'))
      err(`synthad: wrote ${files.map((f) => path.basename(f)).join(', ')} to ${reportDir}\n`);
  }
  if (args.flags.has('json')) {
    const sampled = data.sampled === undefined ? {} : { sampled: data.sampled };
    out(
      JSON.stringify({
        detector: detector.name,
        source: file,
        rows: data.rowCount,
        flagged,
        threshold: t,
        ...sampled,
        top,
      }) + '\n',
    );
    return;
  }
  const where = data.lineOfRow === undefined ? 'record' : 'line';
  const lines = [
    `${detector.name} on ${file}: ${data.rowCount} rows, ${flagged} above the threshold ${t.toPrecision(4)}; the ${top.length} highest scores:`,
    '',
    [
      'rank'.padEnd(5),
      where.padStart(7),
      'score'.padStart(10),
      '  flagged  ',
      'why (feature = value, training range)',
    ].join(''),
    ...top.map((r, i) =>
      [
        String(i + 1).padEnd(5),
        String(r.line ?? r.row + 1).padStart(7),
        r.score.toFixed(4).padStart(10),
        `  ${(r.flagged ? 'yes' : 'no').padEnd(7)}  `,
        r.explanation.map(formatContribution).join('; '),
      ].join(''),
    ),
  ];
  out(lines.join('\n') + '\n');
}

/** The most rows `detect --top` lists (each is explained, which scores it once per feature). */
const MAX_TOP = 100_000;

/** `synthad export MODEL_DIR --onnx MODEL.onnx`: the saved detector as one ONNX graph. */
async function exportModel(args: ParsedArgs): Promise<void> {
  const modelDir = onePositional(args, 'MODEL_DIR');
  const file = args.values.get('onnx');
  if (file === undefined) throw new UsageError('--onnx MODEL.onnx is required');
  checkOutputFile(file, [path.join(modelDir, MODEL_FILE)], '--onnx');
  const detector = await loadDetector(modelDir);
  try {
    const info = exportOnnx(detector, file, { numericInput: args.flags.has('double') ? 'double' : 'float' });
    if (!args.flags.has('quiet')) {
      err(
        `synthad: wrote ${file} (${info.bytes} bytes, ONNX opset ${ONNX_OPSET}, ai.onnx.ml ${ONNX_ML_OPSET}): inputs ` +
          `${info.inputs.map((i) => `${i.name} (${i.type})`).join(', ')}; outputs score (float), prediction (int64, 1 = anomaly)\n`,
      );
    }
  } finally {
    detector.dispose();
  }
}
