/**
 * The ensemble detector 'auto': several methods (its `members`) fitted on the same rows, each member's score
 * turned into its percentile among normal rows none of them trained on (the calibration rows), and the
 * percentiles combined with weights into one score with one threshold.
 *
 * Why: no single method wins everywhere. Boosted trees on normal vs known (+ synthetic) anomalies are best on
 * the anomaly types they were shown; an Isolation Forest is best on types nobody labelled; the MLP of the paper
 * is in between. Percentiles put the members' scores on one scale (a score is "higher than p of the normal
 * rows" whatever its units), so averaging them is meaningful.
 *
 * How: each member's percentile among the calibration normals becomes a p-value, and the p-values are combined
 * the way Fisher's method does (-ln p, averaged with the weights: `evidence`), so a row that one member finds
 * more extreme than any normal row ranks high even when another member finds it ordinary.
 *
 * The weights: with enough known anomalies among the calibration rows, each member's AUROC on them (normal
 * calibration rows against known calibration anomalies) says how well it ranks the anomalies one has; members
 * within `ensembleMargin` of the best share equally, the others get weight 0 (robust where one member is bad,
 * e.g. an Isolation Forest on Thyroid; bench:quality). Without them (no labels, or fewer than
 * `ensembleMinAnomalies`), a fixed rule: every member that can train gets an equal weight. The calibration rows are held out of every member's
 * training, so the weights and percentiles are not judged on rows a member learned from.
 *
 * Everything is saved in one model folder (each member's part under `ensemble.members[i].model`, its files
 * beside) and exported as one ONNX graph (each member's subgraph, the percentile lookups, the weighted mean).
 */
import type { Dataset } from '../data/types';
import { encode, encodedLayout } from '../encode';
import { auroc, averagePrecision, thresholdAtFpr } from '../metrics';
import {
  DetectorMethod,
  DetectorOptions,
  fraction,
  intIn,
  OptionSpec,
  resolveOptions,
  SHARED_OPTIONS,
} from '../options';
import { trainValidationSplit } from '../split';
import { SynthadInputError } from '../errors';
import type { TrainingRows, TrainingSummary } from './base';
import type { EpochProgress } from '../train';
import {
  checkSavedModel,
  checkUnder,
  findMethod,
  FitInput,
  MethodClass,
  methodClass,
  MethodFit,
  MemberFigures,
  MemberScores,
  MethodModel,
  methodNames,
  ModelFileReader,
  ModelFileWriter,
  registerMethod,
  SavedCheck,
} from './method';
import { OnnxGraph, OnnxScore, ONNX_FLOAT, ONNX_INT64 } from './onnxGraph';

declare module '../options' {
  interface DetectorMethods {
    /** The ensemble: its members' percentiles among normal rows, averaged with weights from known anomalies. */
    auto: EnsembleOptions;
  }
  interface DetectorOptions {
    /** The ensemble's members: methods fitted on the same rows. */
    readonly members: ReadonlyArray<DetectorMethod>;
    /** The share of the training rows held out of the members to calibrate and weigh them. */
    readonly calibrationSplit: number;
    /** Members whose calibration AUROC is within this of the best member's are averaged; the others dropped. */
    readonly ensembleMargin: number;
    /** Known anomalies among the calibration rows needed to weigh members by them; fewer: equal weights. */
    readonly ensembleMinAnomalies: number;
  }
}

/** The default members, in the order they train and are listed. */
export const DEFAULT_MEMBERS: ReadonlyArray<string> = ['gbt-sa', 'gbt', 'iforest'];

const OPTIONS = {
  members: {
    default: DEFAULT_MEMBERS,
    check: (v) => {
      const names: ReadonlyArray<string> = methodNames().filter((m) => m !== 'auto');
      return Array.isArray(v) &&
        v.length > 0 &&
        v.length <= 8 &&
        new Set(v).size === v.length &&
        v.every((m) => typeof m === 'string' && names.includes(m))
        ? undefined
        : `a list of 1 to 8 different methods among ${names.join(', ')}`;
    },
    cli: {
      flag: 'members',
      value: {
        expected: 'methods separated by commas, e.g. gbt-sa,iforest',
        parse: (t) => (/^\s*[\w-]+\s*(,\s*[\w-]+\s*)*$/.test(t) ? t.split(',').map((s) => s.trim()) : undefined),
      },
    },
  },
  calibrationSplit: {
    default: 0.2,
    check: (v) => (typeof v === 'number' && v > 0 && v < 1 ? undefined : 'a number in (0, 1)'),
    cli: { flag: 'calibration-split', value: 'number' },
  },
  ensembleMargin: { default: 0.05, check: fraction, cli: { flag: 'ensemble-margin', value: 'number' } },
  ensembleMinAnomalies: {
    default: 5,
    check: intIn(1, 1_000_000),
    cli: { flag: 'ensemble-min-anomalies', value: 'integer' },
  },
  targetFpr: SHARED_OPTIONS.targetFpr,
  seed: SHARED_OPTIONS.seed,
} satisfies Record<string, OptionSpec>;

/** The options the ensemble uses (its members use theirs from the same bag). */
export type EnsembleOptions = Pick<
  DetectorOptions,
  'method' | 'known' | 'targetFpr' | 'seed' | 'contamination' | keyof typeof OPTIONS
>;

/** At most this many calibration scores per member are kept (evenly spaced order statistics beyond it). */
export const MAX_REFERENCE = 2048;

/** One fitted member: its model, figures and the sorted calibration scores its percentiles are read from. */
interface Member extends MemberFigures {
  readonly method: DetectorMethod;
  readonly model: MethodModel;
  readonly reference: Float64Array;
  readonly options: DetectorOptions;
}

/** A saved member after checkSaved: what its method's load takes, and the rest. */
interface CheckedMember extends MemberFigures {
  readonly method: DetectorMethod;
  readonly checked: unknown;
  readonly reference: Float64Array;
  readonly options: DetectorOptions;
}

/** The ensemble method 'auto'; a fitted one holds its members. */
export class EnsembleMethod implements MethodModel {
  static readonly methods: ReadonlyArray<DetectorMethod> = ['auto'];
  static readonly options: Readonly<Record<string, OptionSpec>> = OPTIONS;
  static readonly savedFields = ['ensemble'];

  constructor(private readonly parts: ReadonlyArray<Member>) {}

  /** Each member's method, weight and calibration figures. */
  get memberFigures(): ReadonlyArray<MemberFigures> {
    return this.parts.map((m) => ({
      method: m.method,
      name: m.name,
      weight: m.weight,
      calibrationAuroc: m.calibrationAuroc,
      calibrationAupr: m.calibrationAupr,
    }));
  }

  static displayName(options: DetectorOptions): string {
    return `Ensemble (${options.members.map((m) => methodClass(m).displayName(memberOptions(options, m))).join(', ')})`;
  }

  static async fit(input: FitInput): Promise<MethodFit> {
    const { data, picked, encoder, rng, hooks, options: o } = input;
    const t0 = Date.now();
    const split = trainValidationSplit(picked.rows, picked.isNormal, o.calibrationSplit, rng.fork());
    const calibrationNormals = split.validation.filter((r) => picked.isNormal[r] === 1).length;
    if (calibrationNormals < 2) {
      throw new SynthadInputError(
        `the ensemble needs at least 2 normal rows to calibrate its members on, got ${calibrationNormals} ` +
          `(${picked.rows.length} training rows, calibration split ${o.calibrationSplit})`,
        { file: data.source },
      );
    }
    const fitRows: TrainingRows = { ...picked, rows: split.train };
    const calibration = encode(encoder, data, split.validation);
    const width = encodedLayout(encoder).width;
    const isAnomaly = Array.from(split.validation, (r) => (picked.isNormal[r] === 1 ? 0 : 1));
    const knownInCalibration = isAnomaly.reduce((a: number, v) => a + v, 0);
    const fitted: Array<{ method: DetectorMethod; options: DetectorOptions; fit: MethodFit }> = [];
    try {
      for (const method of o.members) {
        const cls = methodClass(method);
        const options = memberOptions(o, method);
        const memberRng = rng.fork();
        if (!canTrain(cls, data, fitRows, options)) continue;
        if (hooks.signal?.aborted) break;
        // Progress names the member training.
        const member = cls.displayName(options);
        const onEpoch = hooks.onEpoch;
        const memberHooks = {
          ...(hooks.signal ? { signal: hooks.signal } : {}),
          ...(onEpoch ? { onEpoch: (p: EpochProgress) => onEpoch({ ...p, member }) } : {}),
        };
        fitted.push({
          method,
          options,
          fit: await cls.fit({ data, picked: fitRows, encoder, rng: memberRng, hooks: memberHooks, options }),
        });
      }
      if (fitted.length === 0) {
        throw new SynthadInputError(
          `none of the ensemble's members (${o.members.join(', ')}) can train on these rows` +
            (picked.unlabelled || picked.knownTypes.length === 0
              ? ': add iforest or gbt-sa, which need no labels'
              : ''),
          { file: data.source },
        );
      }
      const scored = fitted.map(({ fit }) =>
        fit.model.score(Float32Array.from(calibration.x), calibration.rows, width),
      );
      const references = scored.map((s) => reference(s.filter((_, i) => isAnomaly[i] === 0)));
      const percentiles = scored.map((s, k) => Float64Array.from(s, (v) => percentile(references[k], v)));
      const trusted = knownInCalibration >= o.ensembleMinAnomalies && knownInCalibration < isAnomaly.length;
      const figures = percentiles.map((p) =>
        trusted ? { auroc: auroc(isAnomaly, p), aupr: averagePrecision(isAnomaly, p) } : undefined,
      );
      const weights = memberWeights(
        figures.map((f) => f?.auroc),
        o.ensembleMargin,
      );
      const members: Member[] = fitted.map(({ method, options, fit }, k) => ({
        method,
        name: methodClass(method).displayName(options),
        weight: weights[k],
        calibrationAuroc: figures[k]?.auroc ?? null,
        calibrationAupr: figures[k]?.aupr ?? null,
        model: fit.model,
        reference: references[k],
        options,
      }));
      const model = new EnsembleMethod(members);
      const combined = combine(
        members.map((m) => m.weight),
        percentiles,
        references.map((r) => r.length),
        calibration.rows,
      );
      const threshold = thresholdAtFpr(
        combined.filter((_, i) => isAnomaly[i] === 0),
        o.targetFpr,
      );
      return {
        model,
        threshold,
        computeDetail: fitted.map(({ fit }, k) => `${members[k].name}: ${fit.computeDetail ?? 'js'}`).join('; '),
        summary: summarize(
          fitted.map((f) => f.fit.summary),
          data,
          picked,
          split.validation.length,
          (Date.now() - t0) / 1000,
        ),
      };
    } catch (err) {
      for (const f of fitted) f.fit.model.dispose();
      throw err;
    }
  }

  score(x: Float32Array, rows: number, width: number): Float64Array {
    const percentiles = this.parts.map((m, k) => {
      // A member may overwrite its input: each but the last gets a copy.
      const s = m.model.score(k === this.parts.length - 1 ? x : Float32Array.from(x), rows, width);
      return Float64Array.from(s, (v) => percentile(m.reference, v));
    });
    return combine(
      this.parts.map((m) => m.weight),
      percentiles,
      this.parts.map((m) => m.reference.length),
      rows,
    );
  }

  /** Each member's own scores (raw, its units) of encoded rows; may overwrite `x`. */
  memberScores(x: Float32Array, rows: number, width: number): MemberScores[] {
    return this.parts.map((m, k) => ({
      figures: this.memberFigures[k],
      scores: m.model.score(k === this.parts.length - 1 ? x : Float32Array.from(x), rows, width),
    }));
  }

  save(files: ModelFileWriter): Record<string, unknown> {
    return {
      ensemble: {
        members: this.parts.map((m) => ({
          method: m.method,
          weight: m.weight,
          calibrationAuroc: m.calibrationAuroc,
          calibrationAupr: m.calibrationAupr,
          reference: Array.from(m.reference),
          model: m.model.save(files),
        })),
      },
    };
  }

  static checkSaved(raw: Record<string, unknown>, at: SavedCheck): CheckedMember[] {
    const e = raw.ensemble;
    if (!isRecord(e)) return at.must('ensemble', 'an object (the members of method auto)', e);
    const list = e.members;
    const names = at.options.members;
    if (!Array.isArray(list) || list.length === 0 || list.length > names.length)
      return at.must('ensemble.members', `an array of 1 to ${names.length} members (options.members)`, list);
    let total = 0;
    let last = -1;
    const out = list.map((m: unknown, i): CheckedMember => {
      const field = `ensemble.members[${i}]`;
      if (!isRecord(m)) return at.must(field, 'an object', m);
      const method = m.method;
      const index = names.indexOf(method as DetectorMethod);
      if (typeof method !== 'string' || index <= last)
        return at.must(`${field}.method`, `one of options.members after those before it (${names.join(', ')})`, method);
      last = index;
      const w = m.weight;
      if (typeof w !== 'number' || !(w >= 0 && w <= 1)) at.must(`${field}.weight`, 'a number from 0 to 1', w);
      total += w as number;
      for (const key of ['calibrationAuroc', 'calibrationAupr'] as const) {
        const v = m[key];
        if (v !== null && (typeof v !== 'number' || !(v >= 0 && v <= 1)))
          at.must(`${field}.${key}`, 'null or a number from 0 to 1', v);
      }
      const ref = m.reference;
      if (!Array.isArray(ref) || ref.length === 0 || ref.length > MAX_REFERENCE)
        return at.must(`${field}.reference`, `an array of 1 to ${MAX_REFERENCE} numbers`, ref);
      for (let k = 0; k < ref.length; k++) {
        const v: unknown = ref[k];
        if (typeof v !== 'number' || Number.isNaN(v) || (k > 0 && v < (ref[k - 1] as number)))
          at.must(`${field}.reference[${k}]`, 'a number, not below the one before it (sorted scores)', v);
      }
      if (!isRecord(m.model)) return at.must(`${field}.model`, `an object (the saved ${method} model)`, m.model);
      const options = memberOptions(at.options, method as DetectorMethod);
      const checked = checkSavedModel(m.model, checkUnder(at, `${field}.model`, options));
      return {
        method: method as DetectorMethod,
        name: methodClass(method as DetectorMethod).displayName(options),
        weight: w as number,
        calibrationAuroc: m.calibrationAuroc as number | null,
        calibrationAupr: m.calibrationAupr as number | null,
        reference: Float64Array.from(ref as number[]),
        checked,
        options,
      };
    });
    if (!(Math.abs(total - 1) <= 1e-9))
      at.must('ensemble.members', 'members whose weights sum to 1', `weights summing to ${total}`);
    return out;
  }

  static checkFiles(checked: CheckedMember[], files: ModelFileReader): void {
    for (const m of checked) methodClass(m.method).checkFiles?.(m.checked, files);
  }

  static filesOf(raw: Record<string, unknown>): ReadonlyArray<string> {
    const e = raw.ensemble;
    if (!isRecord(e) || !Array.isArray(e.members)) return [];
    return e.members.flatMap((m: unknown) => {
      if (!isRecord(m) || typeof m.method !== 'string' || !isRecord(m.model)) return [];
      return findMethod(m.method)?.filesOf(m.model) ?? [];
    });
  }

  static async load(
    checked: CheckedMember[],
    files: ModelFileReader,
    options: DetectorOptions,
  ): Promise<{ readonly model: MethodModel; readonly computeDetail?: string }> {
    const members: Member[] = [];
    const details: string[] = [];
    try {
      for (const m of checked) {
        // The members compute where the ensemble's options say (backend, threads), as they would alone.
        const memberOpts = memberOptions(options, m.method);
        const loaded = await methodClass(m.method).load(m.checked, files, memberOpts);
        members.push({ ...m, model: loaded.model, options: memberOpts });
        details.push(`${m.name}: ${loaded.computeDetail ?? 'js'}`);
      }
    } catch (err) {
      for (const m of members) m.model.dispose();
      throw err;
    }
    return { model: new EnsembleMethod(members), computeDetail: details.join('; ') };
  }

  /**
   * Each member's subgraph on the same encoded rows; its percentile among the saved calibration scores
   * ((#below + #at or below) / 2n, as `percentile`: a Less and a LessOrEqual against the sorted scores,
   * summed); the weighted mean. Scores compare in float32 in ONNX and in double in SynthAD, so a score within
   * float32 rounding of a calibration score may count on the other side: the percentile moves by 1/(2n).
   */
  onnx(g: OnnxGraph, x: string, width: number): OnnxScore {
    let sum: string | undefined;
    for (const m of this.parts) {
      if (m.weight === 0) continue;
      const sub = m.model.onnx(g, x, width);
      let s = g.op('Unsqueeze', [sub.score, g.tensor(ONNX_INT64, [1], [1])]); // [N, 1]
      if (!sub.finite) {
        // NaN or infinite: above every calibration score, as SynthAD counts a row it cannot score.
        const finite = g.op('And', [g.op('Not', [g.op('IsInf', [s])]), g.op('Not', [g.op('IsNaN', [s])])]);
        s = g.op('Where', [finite, s, g.tensor(ONNX_FLOAT, [], [Infinity])]);
        g.valueInfo(s, ONNX_FLOAT, ['N', 1]);
      }
      const ref = g.tensor(ONNX_FLOAT, [1, m.reference.length], Array.from(m.reference, Math.fround));
      const below = g.op('Cast', [g.op('Less', [ref, s])], [{ name: 'to', i: ONNX_FLOAT }]);
      const atOrBelow = g.op('Cast', [g.op('LessOrEqual', [ref, s])], [{ name: 'to', i: ONNX_FLOAT }]);
      const counts = g.op(
        'ReduceSum',
        [g.op('Add', [below, atOrBelow]), g.tensor(ONNX_INT64, [1], [1])],
        [{ name: 'keepdims', i: 0 }],
      );
      // -ln(1 - counts / 2n + 1 / 2n) = -ln((2n + 1 - counts) / 2n), times the weight.
      const n2 = 2 * m.reference.length;
      const q = g.op('Div', [
        g.op('Sub', [g.tensor(ONNX_FLOAT, [], [n2 + 1]), counts]),
        g.tensor(ONNX_FLOAT, [], [n2]),
      ]);
      const part = g.op('Mul', [g.op('Log', [q]), g.tensor(ONNX_FLOAT, [], [-m.weight])]);
      sum = sum === undefined ? part : g.op('Add', [sum, part]);
    }
    if (sum === undefined) throw new SynthadInputError('the ensemble has no member with a weight above 0');
    return { score: sum, finite: true };
  }

  dispose(): void {
    for (const m of this.parts) m.model.dispose();
  }
}

registerMethod(EnsembleMethod);

/** The options a member trains with: the ensemble's bag with the member's method. */
function memberOptions(o: DetectorOptions, method: DetectorMethod): DetectorOptions {
  return resolveOptions({ ...o, method });
}

/** Whether a member's method can train on the rows (gbt and vc need known anomalies among them). */
function canTrain(cls: MethodClass, data: Dataset, picked: TrainingRows, options: DetectorOptions): boolean {
  if (cls.needsKnownAnomalies?.(options) && !Array.from(picked.rows).some((r) => picked.isNormal[r] === 0))
    return false;
  try {
    cls.checkTrainingRows?.(data, picked, options);
  } catch (err) {
    if (err instanceof SynthadInputError) return false;
    throw err;
  }
  return true;
}

/**
 * The members' weights (summing to 1) from their calibration AUROC (undefined: not measured): members
 * within `margin` of the best share equally; without measurements, every member shares equally.
 */
export function memberWeights(aurocs: ReadonlyArray<number | undefined>, margin: number): number[] {
  const measured = aurocs.every((a) => a !== undefined);
  const best = measured ? Math.max(...(aurocs as number[])) : 0;
  const keep = aurocs.map((a) => (measured ? (a as number) >= best - margin - 1e-12 : true));
  const n = keep.filter(Boolean).length;
  return keep.map((k) => (k ? 1 / n : 0));
}

/** Sorted finite scores of the calibration normals, at most MAX_REFERENCE (evenly spaced order statistics). */
export function reference(normalScores: ArrayLike<number>): Float64Array {
  const sorted = Float64Array.from(normalScores, (v) => (Number.isNaN(v) ? Infinity : v)).sort();
  if (sorted.length <= MAX_REFERENCE) return sorted;
  const out = new Float64Array(MAX_REFERENCE);
  for (let i = 0; i < MAX_REFERENCE; i++) out[i] = sorted[Math.round((i * (sorted.length - 1)) / (MAX_REFERENCE - 1))];
  return out;
}

/**
 * The percentile of `v` among the sorted `ref`, in [0, 1]: (#below + #at or below) / 2n, so ties count half.
 * A NaN or infinite score is above them all (1), as SynthAD flags a row it cannot score.
 */
export function percentile(ref: Float64Array, v: number): number {
  if (!Number.isFinite(v)) return 1;
  let lo = 0,
    hi = ref.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ref[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  const below = lo;
  hi = ref.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ref[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return (below + lo) / (2 * ref.length);
}

/**
 * Fisher's way of combining evidence: each member's p-value among the calibration normals (1 - percentile,
 * plus half a step so it is never 0) as -ln p, averaged with the weights. One member that finds a row far
 * more extreme than any normal row counts for more than in a plain mean of percentiles, so an anomaly type
 * only one member sees still ranks high (measured: better than the mean on the unseen types of NSL-KDD and
 * on Thyroid without labels, bench:quality).
 */
export function evidence(percentile: number, referenceSize: number): number {
  return -Math.log(1 - percentile + 1 / (2 * referenceSize));
}

function combine(
  weights: ReadonlyArray<number>,
  percentiles: ReadonlyArray<Float64Array>,
  sizes: ReadonlyArray<number>,
  rows: number,
): Float64Array {
  const out = new Float64Array(rows);
  percentiles.forEach((p, k) => {
    const w = weights[k];
    if (w === 0) return;
    for (let i = 0; i < rows; i++) out[i] += w * evidence(p[i], sizes[k]);
  });
  return out;
}

function summarize(
  parts: ReadonlyArray<TrainingSummary>,
  data: Dataset,
  picked: TrainingRows,
  calibrationRows: number,
  seconds: number,
): TrainingSummary {
  // The training chart and epochs are those of the member that has epochs (the MLP), if any.
  const withEpochs = parts.find((p) => p.history.length > 0) ?? parts[0];
  const trained = parts.reduce((a, p) => a + p.trainRows, 0);
  return {
    source: data.source,
    backend: [...new Set(parts.map((p) => p.backend))].join('+'),
    backendDetail: [...new Set(parts.map((p) => p.backendDetail))].join('; '),
    threads: Math.max(...parts.map((p) => p.threads)),
    knownTypes: picked.knownTypes,
    heldOutTypes: picked.heldOutTypes,
    trainRows: picked.rows.length - calibrationRows,
    validationRows: calibrationRows,
    syntheticRows: parts.reduce((a, p) => a + p.syntheticRows, 0),
    epochs: withEpochs.epochs,
    bestEpoch: withEpochs.bestEpoch,
    bestValLoss: withEpochs.bestValLoss,
    stoppedEarly: parts.some((p) => p.stoppedEarly),
    cancelled: parts.some((p) => p.cancelled),
    seconds,
    rowsPerSecond: trained / Math.max(seconds, 1e-6),
    history: withEpochs.history,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
