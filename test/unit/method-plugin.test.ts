/**
 * A detector method defined and registered in this file alone, to show that a method is one class: a detector
 * made of detectors, VC-SA plus a weighted Isolation Forest fitted on the same rows, whose score is the sum of
 * theirs. No shared file knows it, yet it trains, saves and loads (members inside its model folder, their
 * fields checked by their own methods), exports as one ONNX graph, runs in a notebook cell and on the
 * command line, with an option of its own (`forestWeight`, `--forest-weight`).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Table } from '../../src/core/data/types';
import { loadDataset } from '../../src/core/data';
import { encode } from '../../src/core/encode';
import { thresholdAtFpr } from '../../src/core/metrics';
import {
  commandLineOptions,
  DetectorMethod,
  DetectorOptions,
  nonNegativeUpTo,
  OptionSpec,
  resolveOptions,
  SharedOptionName,
} from '../../src/core/options';
import {
  checkSavedModel,
  checkUnder,
  ClassifierMethod,
  Detector,
  IsolationForestMethod,
  methodClass,
  methodNames,
  registerMethod,
} from '../../src/core/detector';
import type {
  FitInput,
  MethodFit,
  MethodModel,
  ModelFileReader,
  ModelFileWriter,
  SavedCheck,
} from '../../src/core/detector';
import { OnnxGraph, OnnxScore, ONNX_FLOAT } from '../../src/core/detectors/onnxGraph';
import { loadDetector, MODEL_FILE, saveDetector } from '../../src/core/persist';
import { onnxModelBytes } from '../../src/export/onnx';
import { createCellApi } from '../../src/kernel/api';
import type { CellDetector } from '../../src/kernel/cellApi';
import { main } from '../../src/cli/main';
import { fixtureDir, gaussianDataset, rejectsInput } from './helpers';

const METHOD = 'vcsa+iforest';
/** The members' methods, in the order of `members` in the saved model. */
const MEMBERS = ['vcsa', 'iforest'] as const;

declare module '../../src/core/options' {
  interface DetectorMethods {
    'vcsa+iforest': Pick<DetectorOptions, SharedOptionName | 'forestWeight'>;
  }
  interface DetectorOptions {
    /** vcsa+iforest: the weight of the forest's score in the sum. */
    readonly forestWeight: number;
  }
}

/** What checkSaved hands load: each member's method and what its own checkSaved returned. */
type CheckedMembers = ReadonlyArray<{ readonly method: (typeof MEMBERS)[number]; readonly checked: unknown }>;

const memberOptions = (o: DetectorOptions, method: (typeof MEMBERS)[number]): DetectorOptions => ({ ...o, method });
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The score is float32 arithmetic on the members' float32 scores, as the ONNX graph computes it. */
class SumOfMembers implements MethodModel {
  static readonly methods: ReadonlyArray<DetectorMethod> = [METHOD];
  static readonly options: Readonly<Record<string, OptionSpec>> = {
    forestWeight: { default: 1, check: nonNegativeUpTo(10), cli: { flag: 'forest-weight', value: 'number' } },
  };
  static readonly savedFields = ['members'];

  constructor(
    readonly members: ReadonlyArray<MethodModel>,
    readonly forestWeight: number,
  ) {}

  static displayName(): string {
    return 'VC-SA + Isolation Forest';
  }

  static async fit(input: FitInput): Promise<MethodFit> {
    const fits: MethodFit[] = [];
    for (const method of MEMBERS) {
      fits.push(
        await methodClass(method).fit({
          ...input,
          options: memberOptions(input.options, method),
          rng: input.rng.fork(),
        }),
      );
    }
    const model = new SumOfMembers(
      fits.map((f) => f.model),
      input.options.forestWeight,
    );
    const { data, picked, encoder } = input;
    const normals = picked.rows.filter((r) => picked.isNormal[r] === 1);
    const x = encode(encoder, data, normals);
    const threshold = thresholdAtFpr(model.score(x.x, x.rows, x.cols), input.options.targetFpr);
    return { model, threshold, summary: fits[0].summary, computeDetail: fits[0].computeDetail };
  }

  score(x: Float32Array, rows: number, width: number): Float64Array {
    const [a, b] = this.members.map((m) => m.score(x.slice(), rows, width));
    const w = Math.fround(this.forestWeight);
    return Float64Array.from(a, (v, i) => Math.fround(Math.fround(v) + Math.fround(Math.fround(b[i]) * w)));
  }

  save(files: ModelFileWriter): Record<string, unknown> {
    return { members: this.members.map((m, i) => ({ method: MEMBERS[i], ...m.save(files) })) };
  }

  static checkSaved(raw: Record<string, unknown>, at: SavedCheck): CheckedMembers {
    const members = raw.members;
    if (!Array.isArray(members) || members.length !== MEMBERS.length)
      return at.must('members', `an array of ${MEMBERS.length} members (${MEMBERS.join(', ')})`, members);
    return MEMBERS.map((method, i) => {
      const field = `members[${i}]`;
      const m: unknown = members[i];
      if (!isRecord(m)) return at.must(field, 'an object', m);
      if (m.method !== method) at.must(`${field}.method`, `"${method}"`, m.method);
      return { method, checked: checkSavedModel(m, checkUnder(at, field, memberOptions(at.options, method))) };
    });
  }

  static checkFiles(checked: CheckedMembers, files: ModelFileReader): void {
    for (const m of checked) methodClass(m.method).checkFiles?.(m.checked, files);
  }

  static filesOf(raw: Record<string, unknown>): string[] {
    const members = Array.isArray(raw.members) ? (raw.members as unknown[]) : [];
    return MEMBERS.flatMap((method, i) =>
      isRecord(members[i]) ? methodClass(method).filesOf(members[i] as Record<string, unknown>) : [],
    );
  }

  static async load(
    checked: CheckedMembers,
    files: ModelFileReader,
    options: DetectorOptions,
  ): Promise<{ model: SumOfMembers; computeDetail?: string }> {
    const loaded = [];
    for (const m of checked)
      loaded.push(await methodClass(m.method).load(m.checked, files, memberOptions(options, m.method)));
    return {
      model: new SumOfMembers(
        loaded.map((l) => l.model),
        options.forestWeight,
      ),
      computeDetail: loaded[0].computeDetail,
    };
  }

  onnx(g: OnnxGraph, x: string, width: number): OnnxScore {
    const [a, b] = this.members.map((m) => m.onnx(g, x, width).score);
    return { score: g.op('Add', [a, g.op('Mul', [b, g.tensor(ONNX_FLOAT, [], [this.forestWeight])])]) };
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
  }
}

// onnxruntime-node (a dev dependency), typed here as test/unit/onnx.test.ts does.
interface OrtSession {
  readonly inputNames: ReadonlyArray<string>;
  run(feeds: Record<string, unknown>): Promise<Record<string, { readonly data: ArrayLike<number | bigint> }>>;
  release(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(model: Uint8Array): Promise<OrtSession> };
  Tensor: new (type: string, data: unknown, dims: number[]) => unknown;
}

async function runOnnx(model: Uint8Array, table: Table): Promise<{ score: ArrayLike<number>; prediction: number[] }> {
  const ort = require('onnxruntime-node') as Ort;
  const session = await ort.InferenceSession.create(model);
  try {
    const feeds: Record<string, unknown> = {};
    for (const name of session.inputNames) {
      const c = table.columns.find((col) => col.name === name)!;
      feeds[name] =
        c.kind === 'categorical'
          ? new ort.Tensor(
              'string',
              c.values.map((v) => v ?? ''),
              [table.rowCount, 1],
            )
          : new ort.Tensor('float32', Float32Array.from(c.values), [table.rowCount, 1]);
    }
    const out = await session.run(feeds);
    return { score: out.score.data as ArrayLike<number>, prediction: Array.from(out.prediction.data, Number) };
  } finally {
    await session.release();
  }
}

/** Runs the command line in this process (where the method is registered); its output as text. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '',
    stderr = '';
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

describe('a method registered by a test: VC-SA + Isolation Forest, one class in this file', function () {
  this.timeout(120_000);
  const { dir } = fixtureDir('synthad-plugin-');
  const train = gaussianDataset(1);
  const test = gaussianDataset(2);
  const options = {
    method: METHOD,
    hidden: [8],
    epochs: 3,
    batchSize: 128,
    trees: 20,
    forestWeight: 2,
    seed: 1,
    backend: 'cpu',
    threads: 1,
  } as const;
  let unregister: (() => void) | undefined;
  let det: Detector;

  before(async () => {
    unregister = registerMethod(SumOfMembers);
    det = await new Detector(options).fit(train);
  });
  after(() => {
    det?.dispose();
    unregister?.();
  });

  it('is a method like the built-in ones: a Detector, its options checked and in the bag', () => {
    assert.deepEqual(methodNames(), ['vcsa', 'vc', 'iforest', 'gbt-sa', 'gbt', 'auto', METHOD]);
    assert.equal(Object.getPrototypeOf(det), Detector.prototype);
    assert.equal(det.name, 'VC-SA + Isolation Forest');
    assert.ok(det.fitted.model instanceof SumOfMembers);
    assert.equal(det.options.forestWeight, 2);
    assert.equal(new Detector({ method: 'iforest' }).options.forestWeight, 1);
    assert.throws(() => new Detector({ ...options, forestWeight: 11 }), {
      message: "detector option 'forestWeight' must be a number from 0 to 10, got 11",
    });
    assert.throws(() => resolveOptions({ forestWeigth: 1 } as never), {
      message:
        /^unknown detector option 'forestWeigth' \(options: method, known, .*, trees, maxSamples, rounds, depth, eta, lambda, minChildWeight, bins, earlyStop, members, calibrationSplit, ensembleMargin, ensembleMinAnomalies, forestWeight, contamination\)$/,
    });
    assert.deepEqual(
      commandLineOptions().find((o) => o.key === 'forestWeight'),
      { key: 'forestWeight', flag: 'forest-weight', value: 'number' },
    );
  });

  it('scores the weighted sum of its members, fitted on the same rows; predict and decisionFunction agree', () => {
    const model = det.fitted.model as SumOfMembers;
    assert.ok(model.members[0] instanceof ClassifierMethod && model.members[1] instanceof IsolationForestMethod);
    const width = det.fitted.encoder.features.reduce(
      (a, f) => a + (f.kind === 'categorical' ? f.categories.length : 1),
      0,
    );
    const m = encode(det.fitted.encoder, test);
    const [a, b] = model.members.map((member) => member.score(m.x.slice(), m.rows, width));
    const scores = det.scoreSamples(test);
    assert.deepEqual(
      scores,
      Float64Array.from(a, (v, i) => Math.fround(v + Math.fround(Math.fround(b[i]) * 2))),
    );
    assert.deepEqual(
      det.decisionFunction(test),
      Float64Array.from(scores, (s) => s - det.fitted.threshold),
    );
    assert.deepEqual(
      det.predict(test),
      Uint8Array.from(scores, (s) => (s > det.fitted.threshold ? 1 : 0)),
    );
    const report = det.evaluate(test);
    assert.equal(report.detector, 'VC-SA + Isolation Forest');
    assert.ok(report.auroc > 0.8, `AUROC ${report.auroc}`);
  });

  it('saves its members inside its model folder and loads them; a replaced model leaves no files behind', async () => {
    const folder = path.join(dir, 'model');
    await saveDetector(det, folder);
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, MODEL_FILE), 'utf8'));
    assert.deepEqual(Object.keys(manifest.members[0]), ['method', 'mlp', 'weightsFile']);
    assert.deepEqual(Object.keys(manifest.members[1]), ['method', 'forest']);
    assert.equal(manifest.mlp, undefined);
    assert.deepEqual(fs.readdirSync(folder).sort(), [manifest.members[0].weightsFile, MODEL_FILE].sort());
    const back = await loadDetector(folder);
    assert.deepEqual(back.scoreSamples(test), det.scoreSamples(test));
    assert.equal(back.fitted.threshold, det.fitted.threshold);
    // Saved again: the new weights replace the old ones (filesOf names the members' files).
    await saveDetector(back, folder);
    const again = JSON.parse(fs.readFileSync(path.join(folder, MODEL_FILE), 'utf8'));
    assert.deepEqual(fs.readdirSync(folder).sort(), [again.members[0].weightsFile, MODEL_FILE].sort());
    back.dispose();
  });

  it('refuses a tampered model with the message of the method that owns the field', async () => {
    const folder = path.join(dir, 'tampered');
    await saveDetector(det, folder);
    const file = path.join(folder, MODEL_FILE);
    const good = fs.readFileSync(file, 'utf8');
    const tamper = async (edit: (m: any) => void, message: string): Promise<void> => {
      const m = JSON.parse(good);
      edit(m);
      fs.writeFileSync(file, JSON.stringify(m));
      await rejectsInput(loadDetector(folder), `${file}: ${message}`);
    };
    await tamper((m) => {
      m.members.pop();
    }, `field 'members' must be an array of 2 members (vcsa, iforest), got [{"method":"vcsa","mlp":{"inputs":8,"hidden":[8],"activat...`);
    await tamper((m) => {
      m.members[1].method = 'vc';
    }, `field 'members[1].method' must be "iforest", got "vc"`);
    await tamper((m) => {
      m.members[0].mlp.shapes[2] = [7, 1];
    }, "field 'members[0].mlp.shapes[2]' must be [8, 1] (the layers must chain: inputs 8, hidden [8]), got [7, 1]");
    await tamper((m) => {
      m.members[1].forest.psi = 1;
    }, "field 'members[1].forest.psi' must be an integer in 2..256 (options.maxSamples), got 1");
    await tamper((m) => {
      m.members[0].forest = m.members[1].forest;
    }, "field 'members[0].forest' must be absent for method 'vcsa'");
    await tamper((m) => {
      m.mlp = m.members[0].mlp;
    }, `field 'mlp' must be absent for method '${METHOD}'`);
    await tamper((m) => {
      m.options.forestWeight = -1;
    }, "field 'options.forestWeight' must be a number from 0 to 10, got -1");
    fs.writeFileSync(file, good);
    const bad = JSON.parse(good);
    fs.writeFileSync(path.join(folder, bad.members[0].weightsFile), Buffer.alloc(8));
    await rejectsInput(
      loadDetector(folder),
      new RegExp(
        `: expected \\d+ bytes of float32 weights for layers \\[\\[8,8\\],\\[8\\],\\[8,1\\],\\[1\\]\\], got 8$`,
      ),
    );
  });

  it('exports as one ONNX graph that scores and predicts as SynthAD does', async () => {
    const got = await runOnnx(onnxModelBytes(det), test);
    const want = det.scoreSamples(test);
    for (let i = 0; i < test.rowCount; i++) {
      assert.ok(
        Math.abs(got.score[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])),
        `row ${i}: ${got.score[i]} in ONNX, ${want[i]} in SynthAD`,
      );
    }
    assert.deepEqual(got.prediction, Array.from(det.predict(test)));
  });

  it("runs in a notebook cell: the settings' defaults, save, Detector.load and exportOnnx", async () => {
    const api = createCellApi(
      { cwd: dir, detectorDefaults: { seed: 1, epochs: 3, backend: 'cpu', threads: 1 } },
      () => undefined,
    );
    const cellDet = await (
      new api.Detector({ method: METHOD, hidden: [8], batchSize: 128, trees: 20, forestWeight: 2 }) as CellDetector
    ).fit(train);
    assert.ok(cellDet instanceof api.Detector && cellDet.fitted.model instanceof SumOfMembers);
    assert.deepEqual(cellDet.scoreSamples(test), det.scoreSamples(test));
    const saved = await cellDet.save('cell-model');
    assert.equal(saved, path.join(dir, 'cell-model'));
    const loaded = await (api.Detector as unknown as { load(dir: string): Promise<Detector> }).load('cell-model');
    assert.deepEqual(loaded.scoreSamples(test), det.scoreSamples(test));
    const onnx = cellDet.exportOnnx('cell.onnx');
    assert.deepEqual((await runOnnx(fs.readFileSync(onnx), test)).prediction, Array.from(det.predict(test)));
    cellDet.dispose();
    loaded.dispose();
  });

  it('trains and scores on the command line, with its own flag', async () => {
    const data = path.resolve(__dirname, '..', '..', '..', 'samples', 'thyroid-train.csv');
    const common = [
      data,
      '--label',
      'class',
      '--normal',
      'normal',
      '--detector',
      METHOD,
      '--hidden',
      '8',
      '--epochs',
      '2',
      '--trees',
      '10',
      '--backend',
      'cpu',
      '--quiet',
    ];
    const refused = await cli(['train', ...common, '--forest-weight', '20', '--out', path.join(dir, 'cli-model')]);
    assert.deepEqual(
      [refused.code, refused.stderr],
      [1, 'synthad: --forest-weight must be a number from 0 to 10, got 20\n'],
    );
    const trained = await cli(['train', ...common, '--forest-weight', '0.5', '--out', path.join(dir, 'cli-model')]);
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stdout, /^saved VC-SA \+ Isolation Forest model to /);
    const model = await loadDetector(path.join(dir, 'cli-model'));
    assert.equal(model.options.forestWeight, 0.5);
    const out = path.join(dir, 'cli-scores.csv');
    const scored = await cli(['score', path.join(dir, 'cli-model'), data, '--out', out, '--threads', '1', '--quiet']);
    assert.equal(scored.code, 0, scored.stderr);
    const table = await loadDataset(data, { label: 'class', normal: 'normal' });
    const written = fs.readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(written.length, table.rowCount + 1);
    model.dispose();
  });

  it('is unknown again once unregistered: its models are refused, with the reason', async () => {
    unregister?.();
    unregister = undefined;
    try {
      assert.deepEqual(methodNames(), ['vcsa', 'vc', 'iforest', 'gbt-sa', 'gbt', 'auto']);
      assert.throws(() => new Detector({ method: METHOD }), {
        message: 'detector option \'method\' must be one of vcsa, vc, iforest, gbt-sa, gbt, auto, got "vcsa+iforest"',
      });
      const file = path.join(dir, 'model', MODEL_FILE);
      await rejectsInput(
        loadDetector(path.join(dir, 'model')),
        new RegExp(
          `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: field 'options.forestWeight' is not a detector option`,
        ),
      );
    } finally {
      unregister = registerMethod(SumOfMembers);
    }
  });
});
