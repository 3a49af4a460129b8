/**
 * The contract of a detector method, and the registry from method names to methods.
 *
 * A method is one class in one file that owns everything about it: training (`fit`), the raw score of encoded
 * rows, its part of a saved model (manifest fields and binary files) and the checks of that part, its ONNX
 * scoring subgraph, its display name. The class's instances are its fitted models. `Detector` (base.ts) does
 * everything else the same way for every method: the encoder, the threshold, explanations, reports. Persistence
 * (persist.ts, modelCheck.ts), the ONNX export, the command line and the notebook find a method here, by name.
 * classifier.ts (vcsa, vc) and forest.ts (iforest) register the built-in methods when core/detector.ts imports
 * them; a method of one's own registers the same way (test/unit/method-plugin.test.ts does, in a test).
 */
import type { Dataset } from '../data/types';
import type { EncoderState } from '../encode';
import type { DetectorMethod, DetectorOptions, OptionSpec } from '../options';
import type { Rng } from '../rng';
import type { FitHooks, TrainingRows, TrainingSummary } from './base';
import type { OnnxScorer } from './onnxGraph';
import type { MemberFigures } from '../report';

export type { MemberFigures };

/** What `Detector.fit` hands a method: the rows it picked and the encoder it fitted, the same for every method. */
export interface FitInput {
  readonly data: Dataset;
  readonly picked: TrainingRows;
  readonly encoder: EncoderState;
  /** Seeded by `options.seed`; a method forks what it needs, in a fixed order. */
  readonly rng: Rng;
  readonly hooks: FitHooks;
  readonly options: DetectorOptions;
}

/** What a method's training returns. */
export interface MethodFit {
  readonly model: MethodModel;
  /** The score at `options.targetFpr` on normal rows (fit replaces it when `contamination` is set). */
  readonly threshold: number;
  readonly summary: TrainingSummary;
  /** Where the model computes (backend, library, threads), when it depends on the machine. */
  readonly computeDetail?: string;
}

/** A fitted model: an instance of its method's class. */
export interface MethodModel extends OnnxScorer {
  /** Raw scores of encoded rows (row-major, `width` columns, finite), higher = more anomalous; may overwrite `x`. */
  score(x: Float32Array, rows: number, width: number): Float64Array;
  /**
   * Its part of a saved model: the manifest fields it writes beside the encoder, threshold and summary (the
   * method's `savedFields`), binary files through `files`. `checkSaved` and `load` read them back.
   */
  save(files: ModelFileWriter): Record<string, unknown>;
  /** Frees what it holds outside the JavaScript heap (tensors, native buffers). */
  dispose(): void;
  /** An ensemble's members: their methods, weights and calibration figures. */
  readonly memberFigures?: ReadonlyArray<MemberFigures>;
  /** An ensemble's members: each one's figures and its own raw scores of encoded rows (may overwrite `x`). */
  memberScores?(x: Float32Array, rows: number, width: number): ReadonlyArray<MemberScores>;
}

/** One member's figures and scores. */
export interface MemberScores {
  readonly figures: MemberFigures;
  readonly scores: Float64Array;
}

/**
 * The names a model's binary files have (any method's): `weights-<pid>-<hex>.bin` as saves write them,
 * `weights.bin` in models saved before the manifest named its file. A model folder holds nothing else but its
 * manifest.
 */
export const DATA_FILE_NAME = /^weights(-[0-9a-f]{1,16}){0,2}\.bin$/;

/** Where a save puts a model's binary files. */
export interface ModelFileWriter {
  /** Adds a file holding `chunks`; returns its name in the model folder, for the manifest to name. */
  add(chunks: ReadonlyArray<Uint8Array>): string;
}

/** A saved model's binary files, as a load (or a save checking what it will write) reads them. */
export interface ModelFileReader {
  /**
   * The bytes of the file `name` (a name checkSaved accepted), which must be exactly `bytes` long: otherwise
   * throws naming the file, with `wrongSize(got)`; `what` names the file when it is missing ('weights file').
   * The bytes start at a multiple of 8 in their buffer.
   */
  read(name: string, bytes: number, what: string, wrongSize: (got: number) => string): Uint8Array;
  /** The file as messages name it: its path, or the model folder when a save checks what it will write. */
  where(name: string): string;
  /** Text before each message: 'cannot save this model: ' when a save checks what it will write, else ''. */
  readonly prefix: string;
}

/** What a method's checks of a saved model are given: its options, the encoder's width, and how to fail. */
export interface SavedCheck {
  readonly options: DetectorOptions;
  /** Encoded columns: what the model scores. */
  readonly width: number;
  /** Throws `FILE: field 'FIELD' PROBLEM` (a SynthadInputError). */
  fail(field: string, problem: string): never;
  /** Throws `FILE: field 'FIELD' must be EXPECTED, got GOT` (GOT shown short). */
  must(field: string, expected: string, got: unknown): never;
}

/**
 * A detector method: the static side of its class (whose instances are its fitted models). Register it with
 * `registerMethod`.
 */
export interface MethodClass {
  new (...args: never[]): MethodModel;
  /** The method names it serves, e.g. ['vcsa', 'vc']. */
  readonly methods: ReadonlyArray<DetectorMethod>;
  /**
   * Its own options (default, check, command-line flag), in the order the options bag lists them; a shared
   * option listed here (`SHARED_OPTIONS.seed`) is placed there too. Their types go into DetectorOptions by
   * declaration merging, in the method's file.
   */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /**
   * The top-level manifest fields its models write (`save`): a model of another method must not have them,
   * so a manifest cannot hold the parts of two methods.
   */
  readonly savedFields: ReadonlyArray<string>;
  /** e.g. 'VC-SA': in reports, charts, progress lines and messages. */
  displayName(options: DetectorOptions): string;
  /**
   * Whether it needs known anomalies among its training rows with these options (a classifier without
   * synthetic anomalies); an ensemble leaves such a member out when there are none.
   */
  needsKnownAnomalies?(options: DetectorOptions): boolean;
  /** Refuses training rows it cannot learn from, before anything is encoded (e.g. VC on unlabelled data). */
  checkTrainingRows?(data: Dataset, picked: TrainingRows, options: DetectorOptions): void;
  fit(input: FitInput): Promise<MethodFit>;
  /**
   * Checks its fields of a saved manifest (`raw`: parsed JSON, nothing checked but the format, the options,
   * encoder and summary) with `at`, so a damaged or hostile model fails with one line naming the field, and
   * returns what `load` builds the model from. What `save` writes always passes.
   */
  checkSaved(raw: Record<string, unknown>, at: SavedCheck): unknown;
  /** Checks the binary files `checked` names as `load` will (e.g. every weight finite); a save calls it before writing. */
  checkFiles?(checked: unknown, files: ModelFileReader): void;
  /** The binary files a manifest names (parsed, not checked): a save removes the replaced model's. */
  filesOf(raw: Record<string, unknown>): ReadonlyArray<string>;
  /** The fitted model from what `checkSaved` returned and its files, computing where `options` say (backend, threads). */
  load(
    checked: unknown,
    files: ModelFileReader,
    options: DetectorOptions,
  ): Promise<{ readonly model: MethodModel; readonly computeDetail?: string }>;
}

const byName = new Map<string, MethodClass>();
const classes: MethodClass[] = [];

/**
 * Makes `cls` the method of its names: `new Detector({ method })`, saved models, the ONNX export, the command
 * line and notebooks find it. Returns a function that unregisters it (for tests that register their own).
 * The registry is per thread: streamed scoring's worker threads (scoreWorker.ts) know the methods that
 * core/detector.ts imports, so a method registered elsewhere streams files on one thread (`--threads 1`).
 */
export function registerMethod(cls: MethodClass): () => void {
  for (const m of cls.methods) {
    if (byName.has(m)) throw new Error(`internal: a method '${m}' is registered already`);
  }
  for (const other of classes) {
    for (const [key, spec] of Object.entries(cls.options)) {
      if (key in other.options && other.options[key] !== spec)
        throw new Error(`internal: option '${key}' is another method's already`);
    }
  }
  for (const m of cls.methods) byName.set(m, cls);
  classes.push(cls);
  return () => {
    const i = classes.indexOf(cls);
    if (i < 0) return;
    classes.splice(i, 1);
    for (const m of cls.methods) byName.delete(m);
  };
}

/** The class of `method`, or undefined when none is registered. */
export function findMethod(method: string): MethodClass | undefined {
  return byName.get(method);
}

/** The class of `method` (a name resolveOptions accepted). */
export function methodClass(method: string): MethodClass {
  const cls = byName.get(method);
  if (!cls) throw new Error(`internal: no detector method '${method}' is registered (import core/detector)`);
  return cls;
}

/** The registered methods' classes, in the order they were registered. */
export function methodClasses(): ReadonlyArray<MethodClass> {
  return classes;
}

/** The registered method names, in the order they were registered. */
export function methodNames(): DetectorMethod[] {
  return classes.flatMap((c) => c.methods);
}

/**
 * Checks the part of a saved model that `at.options.method` wrote into `raw` (a manifest, or a member's part
 * of one): no other method's fields, then the method's own checks. Returns what the method's `load` takes.
 */
export function checkSavedModel(raw: Record<string, unknown>, at: SavedCheck): unknown {
  const cls = methodClass(at.options.method);
  for (const other of classes) {
    if (other === cls) continue;
    for (const field of other.savedFields) {
      if (!cls.savedFields.includes(field) && raw[field] !== undefined)
        at.fail(field, `must be absent for method '${at.options.method}'`);
    }
  }
  return cls.checkSaved(raw, at);
}

/** The checks of `at` for the fields under `field` (a member's part of a manifest), with the member's options. */
export function checkUnder(at: SavedCheck, field: string, options: DetectorOptions): SavedCheck {
  return {
    options,
    width: at.width,
    fail: (f, problem) => at.fail(`${field}.${f}`, problem),
    must: (f, expected, got) => at.must(`${field}.${f}`, expected, got),
  };
}
