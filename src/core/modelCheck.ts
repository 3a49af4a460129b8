/**
 * Checks a saved model's manifest (parsed JSON) before anything is built from it: a tampered or damaged model
 * must fail with one line naming the file and the field, never loop, read out of range, or score NaN as normal.
 * What saveDetector writes always passes (it checks the model with the same rules before writing it). The
 * fields every model has are checked here; those of its method's model by the method (checkSaved in its file).
 */
import { SynthadInputError } from './errors';
import { encodedLayout, EncoderState } from './encode';
import { DetectorOptions, OptionError, resolveOptions } from './options';
import { PAPER_SAMPLER } from './synthetic';
import type { FeatureReference } from './explain';
import type { TrainingSummary } from './detector';
import { checkSavedModel } from './detectors/method';

/** A manifest that passed every check. */
export interface CheckedModel {
  readonly options: DetectorOptions;
  readonly encoder: EncoderState;
  readonly threshold: number;
  readonly summary: TrainingSummary;
  /** What the method's checkSaved returned: what its `load` builds the model from. */
  readonly model: unknown;
  readonly reference?: ReadonlyArray<FeatureReference>;
}

/**
 * Checks the fields of a manifest whose format and formatVersion were already checked; throws a
 * SynthadInputError `FILE: PREFIX field 'a.b[2]' must be ..., got ...` at the first problem.
 */
export function checkManifest(raw: Record<string, unknown>, file: string, prefix = ''): CheckedModel {
  const fail = (field: string, problem: string): never => {
    throw new SynthadInputError(`${prefix}field '${field}' ${problem}`, { file });
  };
  const must = (field: string, expected: string, got: unknown): never =>
    fail(field, `must be ${expected}, got ${show(got)}`);

  // options
  if (!isRecord(raw.options)) must('options', 'an object', raw.options);
  let options: DetectorOptions;
  try {
    // Models saved before the `synthetic` option existed were trained with the paper's sampler.
    options = resolveOptions({ synthetic: PAPER_SAMPLER, ...(raw.options as Partial<DetectorOptions>) });
  } catch (err) {
    if (err instanceof OptionError) return fail(`options.${err.option}`, err.problem);
    return fail('options', (err as Error).message);
  }

  // threshold
  if (!isFiniteNumber(raw.threshold)) must('threshold', 'a finite number', raw.threshold);
  const threshold = raw.threshold as number;

  // encoder
  const encoder = raw.encoder;
  if (!isRecord(encoder)) return must('encoder', 'an object', encoder);
  const features = encoder.features;
  if (!Array.isArray(features) || features.length === 0) must('encoder.features', 'a non-empty array', features);
  (features as unknown[]).forEach((f, i) => {
    const at = `encoder.features[${i}]`;
    if (!isRecord(f)) return must(at, 'an object with a name and a kind', f);
    if (typeof f.name !== 'string') must(`${at}.name`, 'a string', f.name);
    if (f.kind === 'numeric' || f.kind === 'binary') {
      for (const key of ['mean', 'min', 'max'] as const)
        if (!isFiniteNumber(f[key])) must(`${at}.${key}`, 'a finite number', f[key]);
      if (!((f.max as number) > (f.min as number)))
        must(`${at}.max`, `a number greater than min (${show(f.min)})`, f.max);
    } else if (f.kind === 'categorical') {
      const c = f.categories;
      if (!Array.isArray(c) || c.length === 0)
        return must(`${at}.categories`, 'a non-empty array of distinct strings', c);
      const seen = new Set<string>();
      c.forEach((v: unknown, k) => {
        if (typeof v !== 'string' || seen.has(v)) must(`${at}.categories[${k}]`, 'a string not listed before', v);
        seen.add(v as string);
      });
    } else {
      must(`${at}.kind`, 'one of numeric, binary, categorical', f.kind);
    }
  });
  if (!isStringArray(encoder.droppedConstant))
    must('encoder.droppedConstant', 'an array of strings', encoder.droppedConstant);
  const width = encodedLayout(encoder as unknown as EncoderState).width;

  // summary: only what reports and displays read
  const summary = raw.summary;
  if (!isRecord(summary)) return must('summary', 'an object', summary);
  for (const key of ['source', 'backend'] as const)
    if (typeof summary[key] !== 'string') must(`summary.${key}`, 'a string', summary[key]);
  if (summary.backendDetail !== undefined && typeof summary.backendDetail !== 'string')
    must('summary.backendDetail', 'a string', summary.backendDetail);
  for (const key of ['knownTypes', 'heldOutTypes'] as const)
    if (!isStringArray(summary[key])) must(`summary.${key}`, 'an array of strings', summary[key]);
  for (const key of ['trainRows', 'epochs', 'bestEpoch', 'seconds'] as const)
    if (!isFiniteNumber(summary[key])) must(`summary.${key}`, 'a finite number', summary[key]);
  for (const key of ['threads', 'validationRows', 'syntheticRows', 'rowsPerSecond', 'bestValLoss'] as const) {
    if (summary[key] !== undefined && summary[key] !== null && typeof summary[key] !== 'number')
      must(`summary.${key}`, 'a number', summary[key]);
  }
  for (const key of ['stoppedEarly', 'cancelled'] as const)
    if (typeof summary[key] !== 'boolean') must(`summary.${key}`, 'true or false', summary[key]);
  if (!Array.isArray(summary.history)) must('summary.history', 'an array', summary.history);
  (summary.history as unknown[]).forEach((h, i) => {
    if (!isRecord(h) || !isFiniteNumber(h.epoch))
      return must(`summary.history[${i}].epoch`, 'a finite number', isRecord(h) ? h.epoch : h);
    for (const key of ['loss', 'valLoss'] as const) {
      if (h[key] !== null && typeof h[key] !== 'number') must(`summary.history[${i}].${key}`, 'a number', h[key]);
    }
  });

  // the method's model
  const model = checkSavedModel(raw, { options, width, fail, must });

  // reference: the typical training values explanations use, one per encoder feature
  let reference: ReadonlyArray<FeatureReference> | undefined;
  if (raw.reference !== undefined) {
    const ref = raw.reference;
    const n = (features as unknown[]).length;
    if (!Array.isArray(ref) || ref.length !== n)
      must('reference', `an array of ${n} entries, one per encoder feature`, ref);
    (ref as unknown[]).forEach((r, i) => {
      const at = `reference[${i}]`;
      if (!isRecord(r)) return must(at, 'an object', r);
      if (r.kind === 'categorical') {
        if (typeof r.mode !== 'string') must(`${at}.mode`, 'a string', r.mode);
      } else if (r.kind === 'numeric' || r.kind === 'binary') {
        for (const key of ['median', 'min', 'max'] as const)
          if (!isFiniteNumber(r[key])) must(`${at}.${key}`, 'a finite number', r[key]);
      } else {
        must(`${at}.kind`, 'one of numeric, binary, categorical', r.kind);
      }
    });
    reference = ref as FeatureReference[];
  }

  return {
    options,
    encoder: encoder as unknown as EncoderState,
    threshold,
    summary: summary as unknown as TrainingSummary,
    model,
    reference,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** A value for an error message: numbers and strings as in JSON (NaN as NaN), short arrays as [a, b], cut to 60 characters. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v);
  let text: string;
  if (
    Array.isArray(v) &&
    v.length <= 8 &&
    v.every((x) => typeof x === 'number' || typeof x === 'string' || x === null)
  ) {
    text = `[${v.map((x) => (typeof x === 'number' ? String(x) : JSON.stringify(x))).join(', ')}]`;
  } else {
    try {
      text = JSON.stringify(v) ?? String(v);
    } catch {
      text = String(v);
    }
  }
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}
