// Issue 12, the model folder: a save writes only its own files, replaces a model atomically (killed at any
// point it leaves the old model or the new one, whole) and cleans up after itself; a load reads every file
// with a limit and refuses a tampered model with one line naming the file and the field.
import { strict as assert } from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Detector } from '../../src/core/detector';
import { checkModelFolder, loadDetector, MAX_MANIFEST_BYTES, MODEL_FILE, saveDetector } from '../../src/core/persist';
import { gaussianDataset, rejectsInput } from './helpers';
// The fs module itself (not an import's copy of it), to inject failures the way the disk would.
import realFs = require('fs');

const TINY = { method: 'vcsa', hidden: [8], epochs: 2, batchSize: 128 } as const;
const PERSIST_JS = path.resolve(__dirname, '..', '..', 'src', 'core', 'persist.js');

/** The folder's entries, sorted. */
function list(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

/** Every file under `dir` with its bytes, to check that nothing was touched. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of list(dir)) {
    const p = path.join(dir, name);
    out[name] = fs.statSync(p).isDirectory()
      ? `folder: ${JSON.stringify(snapshot(p))}`
      : fs.readFileSync(p).toString('base64');
  }
  return out;
}

/** A pid no process has: a child that has exited (pids are not reused that fast). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('persist safety', function () {
  this.timeout(60_000);
  const train = gaussianDataset(5, 200, 20);
  const test = gaussianDataset(6, 100, 10);
  let a: Detector, b: Detector, forest: Detector;
  let aScores: Float64Array, bScores: Float64Array;
  let root: string;

  before(async () => {
    a = await new Detector({ ...TINY, seed: 1 }).fit(train);
    b = await new Detector({ ...TINY, seed: 2 }).fit(train);
    forest = await new Detector({ method: 'iforest', trees: 5, seed: 3 }).fit(train);
    aScores = a.scoreSamples(test);
    bScores = b.scoreSamples(test);
    assert.notDeepEqual(aScores, bScores);
  });
  after(() => [a, b, forest].forEach((d) => d.dispose()));
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-persist-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** A saved model's folder holds the manifest and at most one weights file, nothing else. */
  function assertClean(dir: string, weights: boolean): void {
    const names = list(dir);
    assert.equal(names.length, weights ? 2 : 1, names.join(', '));
    assert.equal(names.filter((n) => n === MODEL_FILE).length, 1, names.join(', '));
    if (weights)
      assert.match(
        names.find((n) => n !== MODEL_FILE)!,
        /^weights-[0-9a-f]+-[0-9a-f]{12}\.bin$/,
      );
  }

  describe("saving writes only the model's files", () => {
    it('refuses a folder holding other files before writing anything, and leaves them as they were', async () => {
      const dir = path.join(root, 'work');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'my notes');
      fs.writeFileSync(path.join(dir, 'data.csv'), 'x,y\n1,2\n');
      fs.mkdirSync(path.join(dir, 'results'));
      fs.writeFileSync(path.join(dir, 'results', 'r.txt'), 'keep me');
      const before = snapshot(dir);
      const message = `${dir}: holds files that are not part of a SynthAD model (data.csv, notes.txt, results); save the model into an empty or new folder`;
      await rejectsInput(saveDetector(a, dir), message);
      assert.throws(() => checkModelFolder(dir), { message });
      assert.deepEqual(snapshot(dir), before);
      fs.writeFileSync(path.join(dir, 'z.txt'), '');
      assert.throws(() => checkModelFolder(dir), {
        message: `${dir}: holds files that are not part of a SynthAD model (data.csv, notes.txt, results, … (4 in all)); save the model into an empty or new folder`,
      });
    });

    it('refuses a model folder the user added a file to, and keeps the model', async () => {
      const dir = path.join(root, 'm');
      await saveDetector(a, dir);
      fs.writeFileSync(path.join(dir, 'README.md'), '# my model');
      const before = snapshot(dir);
      await rejectsInput(
        saveDetector(b, dir),
        `${dir}: holds files that are not part of a SynthAD model (README.md); save the model into an empty or new folder`,
      );
      assert.deepEqual(snapshot(dir), before);
      assert.deepEqual((await loadDetector(dir)).scoreSamples(test), aScores);
    });

    it("refuses '' (the current folder) when it holds other files", async () => {
      const cwd = process.cwd();
      const dir = path.join(root, 'project');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'train.csv'), 'x\n1\n');
      try {
        process.chdir(dir);
        const message = `${process.cwd()}: holds files that are not part of a SynthAD model (train.csv); save the model into an empty or new folder`;
        assert.throws(() => checkModelFolder(''), { message });
        await rejectsInput(saveDetector(a, ''), message);
        await rejectsInput(saveDetector(a, '.'), message);
      } finally {
        process.chdir(cwd);
      }
      assert.deepEqual(list(dir), ['train.csv']);
    });

    it('refuses a file where the folder should be, or under a file; creates missing parent folders', async () => {
      const file = path.join(root, 'model.txt');
      fs.writeFileSync(file, 'not a folder');
      await rejectsInput(
        saveDetector(a, file),
        `${file}: is a file, expected a folder (a model is saved as a folder: synthad-model.json and its weights)`,
      );
      assert.throws(() => checkModelFolder(path.join(file, 'sub', 'm')), {
        message: `${path.join(file, 'sub', 'm')}: cannot create the model folder: ${file} is a file, expected a folder`,
      });
      assert.equal(fs.readFileSync(file, 'utf8'), 'not a folder');
      const deep = path.join(root, 'x', 'y', 'z');
      await saveDetector(forest, deep);
      assertClean(deep, false);
      assert.deepEqual((await loadDetector(deep)).scoreSamples(test), forest.scoreSamples(test));
    });

    it("replaces a model, an MLP by a forest and back, leaving only the current model's files", async () => {
      const dir = path.join(root, 'm');
      await saveDetector(a, dir);
      assertClean(dir, true);
      await saveDetector(b, dir);
      assertClean(dir, true);
      assert.deepEqual((await loadDetector(dir)).scoreSamples(test), bScores);
      await saveDetector(forest, dir);
      assertClean(dir, false);
      await saveDetector(a, dir);
      assertClean(dir, true);
      assert.deepEqual((await loadDetector(dir)).scoreSamples(test), aScores);
      assert.deepEqual(list(root), ['m']);
    });

    it('refuses to save a model that could not be loaded back, writing nothing', async () => {
      const broken = Detector.fromState(a.options, { ...a.fitted, threshold: NaN });
      const dir = path.join(root, 'm');
      await rejectsInput(
        saveDetector(broken, dir),
        `${dir}: cannot save this model: field 'threshold' must be a finite number, got NaN`,
      );
      assert.deepEqual(list(root), []);
    });
  });

  describe('a save killed or failing midway', () => {
    const KILL_SCRIPT = `
      const { loadDetector, saveDetector } = require(${JSON.stringify(PERSIST_JS)});
      (async () => { await saveDetector(await loadDetector(process.argv[1]), process.argv[2]); })()
        .catch((err) => { process.stderr.write(err.message + '\\n'); process.exit(3); });`;

    for (const [stage, survivor] of [
      ['save:weights-partial', 'old'],
      ['save:weights-written', 'old'],
      ['save:manifest-partial', 'old'],
      ['save:committed', 'new'],
    ] as const) {
      it(`killed at ${stage} leaves the ${survivor} model whole, and the next save leaves no stray files`, async () => {
        const dir = path.join(root, 'm');
        const source = path.join(root, 'source');
        await saveDetector(a, dir);
        await saveDetector(b, source);
        const r = spawnSync(process.execPath, ['-e', KILL_SCRIPT, source, dir], {
          encoding: 'utf8',
          env: { ...process.env, SYNTHAD_FAILPOINT: stage },
        });
        assert.equal(r.signal, 'SIGKILL', `the child should die at ${stage}: status ${r.status}, ${r.stderr}`);
        const after = list(dir);
        if (stage !== 'save:committed')
          assert.ok(after.length > 2, `${stage} should leave files of the killed save: ${after.join(', ')}`);
        assert.deepEqual((await loadDetector(dir)).scoreSamples(test), survivor === 'old' ? aScores : bScores);
        // What the killed save left is the model's own: the folder is still accepted, and the next save clears it.
        checkModelFolder(dir);
        await saveDetector(survivor === 'old' ? b : a, dir);
        assertClean(dir, true);
        assert.deepEqual(list(root), ['m', 'source']);
        assert.deepEqual((await loadDetector(dir)).scoreSamples(test), survivor === 'old' ? bScores : aScores);
      });
    }

    it('removes partial files of killed saves, and leaves those of saves still running', async () => {
      const dir = path.join(root, 'm');
      await saveDetector(a, dir);
      const dead = deadPid();
      const stale = [
        `${MODEL_FILE}.partial-${dead}-1`,
        `weights-${dead.toString(16)}-0123456789ab.bin.partial-${dead}-2`,
        `weights-${dead.toString(16)}-ba9876543210.bin`,
      ];
      const live = [`${MODEL_FILE}.partial-${process.ppid}-7`, `weights-${process.ppid.toString(16)}-00000000abcd.bin`];
      for (const name of [...stale, ...live]) fs.writeFileSync(path.join(dir, name), 'left over');
      checkModelFolder(dir);
      await saveDetector(b, dir);
      const names = list(dir);
      for (const name of stale) assert.ok(!names.includes(name), `${name} should be removed`);
      for (const name of live) assert.ok(names.includes(name), `${name} belongs to a running process`);
      assert.equal(names.length, 2 + live.length, names.join(', '));
      assert.deepEqual((await loadDetector(dir)).scoreSamples(test), bScores);
    });

    it('a failure at the commit (the rename fails) keeps the old model and removes what the save wrote', async () => {
      const dir = path.join(root, 'm');
      await saveDetector(a, dir);
      const before = snapshot(dir);
      const rename = realFs.renameSync;
      realFs.renameSync = ((from: fs.PathLike, to: fs.PathLike) => {
        if (String(to).endsWith(MODEL_FILE)) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
        rename(from, to);
      }) as typeof fs.renameSync;
      try {
        await assert.rejects(saveDetector(b, dir), { message: 'EIO: i/o error, rename' });
      } finally {
        realFs.renameSync = rename;
      }
      assert.deepEqual(snapshot(dir), before);
      assert.deepEqual((await loadDetector(dir)).scoreSamples(test), aScores);
    });

    it('a full disk while writing the weights leaves the folder as it was', async () => {
      const dir = path.join(root, 'm');
      await saveDetector(a, dir);
      const before = snapshot(dir);
      const write = realFs.writeSync;
      (realFs as { writeSync: unknown }).writeSync = () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      };
      try {
        await assert.rejects(saveDetector(b, dir), { message: 'ENOSPC: no space left on device, write' });
        await assert.rejects(saveDetector(b, path.join(root, 'new', 'm')), {
          message: 'ENOSPC: no space left on device, write',
        });
      } finally {
        (realFs as { writeSync: unknown }).writeSync = write;
      }
      assert.deepEqual(snapshot(dir), before);
      assert.deepEqual(list(root), ['m']); // the folders the failed save created are gone too
    });

    it('a load that a save overtakes (the old weights removed before they are read) reads the new model', async () => {
      const dir = path.join(root, 'm');
      await saveDetector(a, dir);
      const open = realFs.openSync;
      let replaced = false;
      realFs.openSync = ((file: fs.PathLike, ...rest: unknown[]) => {
        if (!replaced && /weights-[^/]*\.bin$/.test(String(file)) && rest[0] !== 'wx') {
          replaced = true;
          void saveDetector(b, dir); // runs to its end here: its body is synchronous
        }
        return (open as (...args: unknown[]) => number)(file, ...rest);
      }) as typeof fs.openSync;
      let loaded: Detector;
      try {
        loaded = await loadDetector(dir);
      } finally {
        realFs.openSync = open;
      }
      assert.ok(replaced);
      assert.deepEqual(loaded.scoreSamples(test), bScores);
      assertClean(dir, true);
    });

    it('loads and replaces a model saved before the manifest named its weights file (weights.bin)', async () => {
      const dir = path.join(root, 'm');
      await saveDetector(a, dir);
      const file = path.join(dir, MODEL_FILE);
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.renameSync(path.join(dir, json.weightsFile), path.join(dir, 'weights.bin'));
      delete json.weightsFile;
      fs.writeFileSync(file, JSON.stringify(json));
      assert.deepEqual((await loadDetector(dir)).scoreSamples(test), aScores);
      await saveDetector(b, dir);
      assertClean(dir, true);
      assert.deepEqual((await loadDetector(dir)).scoreSamples(test), bScores);
    });
  });

  describe('loading reads with limits', () => {
    let dir: string, file: string;
    beforeEach(async () => {
      dir = path.join(root, 'm');
      await saveDetector(a, dir);
      file = path.join(dir, MODEL_FILE);
    });
    const weightsPath = (): string => path.join(dir, JSON.parse(fs.readFileSync(file, 'utf8')).weightsFile);

    it('refuses a manifest that is a link to /dev/zero at once', async () => {
      fs.rmSync(file);
      fs.symlinkSync('/dev/zero', file);
      const t0 = Date.now();
      await rejectsInput(
        loadDetector(dir),
        `${file}: is a character device, not a regular file; expected the model manifest written by saveDetector`,
      );
      assert.ok(Date.now() - t0 < 2000);
    });

    it('refuses a manifest that is a FIFO without waiting for a writer', async () => {
      fs.rmSync(file);
      execFileSync('mkfifo', [file]);
      await rejectsInput(
        loadDetector(dir),
        `${file}: is a named pipe (FIFO), not a regular file; expected the model manifest written by saveDetector`,
      );
    });

    it('refuses a manifest that is a folder, or larger than the limit, without reading it', async () => {
      fs.rmSync(file);
      fs.mkdirSync(file);
      await rejectsInput(
        loadDetector(dir),
        `${file}: is a folder, not a regular file; expected the model manifest written by saveDetector`,
      );
      fs.rmdirSync(file);
      fs.writeFileSync(file, '');
      fs.truncateSync(file, MAX_MANIFEST_BYTES + 1); // sparse: no disk used
      await rejectsInput(
        loadDetector(dir),
        `${file}: ${MAX_MANIFEST_BYTES + 1} bytes, more than the 256 MiB a model manifest may have`,
      );
    });

    it('refuses a weights file that is a link to /dev/zero, or of the wrong size', async () => {
      const weights = weightsPath();
      const bytes = fs.readFileSync(weights);
      fs.rmSync(weights);
      fs.symlinkSync('/dev/zero', weights);
      await rejectsInput(
        loadDetector(dir),
        `${weights}: is a character device, not a regular file; expected the weights file written by saveDetector`,
      );
      fs.rmSync(weights);
      fs.writeFileSync(weights, Buffer.concat([bytes, Buffer.alloc(4)]));
      await rejectsInput(
        loadDetector(dir),
        `${weights}: expected ${bytes.length} bytes of float32 weights for layers [[8,8],[8],[8,1],[1]], got ${bytes.length + 4}`,
      );
      fs.rmSync(weights);
      await rejectsInput(loadDetector(dir), `${weights}: weights file missing from the model folder`);
    });

    it('refuses a NaN or infinite weight, naming the array and index', async () => {
      const weights = weightsPath();
      const bytes = fs.readFileSync(weights);
      bytes.writeFloatLE(NaN, 4 * 3);
      fs.writeFileSync(weights, bytes);
      await rejectsInput(
        loadDetector(dir),
        `${weights}: weight array 'mlp.shapes[0]' (layer 1 weights) holds NaN at index 3; weights must be finite numbers`,
      );
      bytes.writeFloatLE(0, 4 * 3);
      bytes.writeFloatLE(Infinity, bytes.length - 4);
      fs.writeFileSync(weights, bytes);
      await rejectsInput(
        loadDetector(dir),
        `${weights}: weight array 'mlp.shapes[3]' (layer 2 biases) holds Infinity at index 0; weights must be finite numbers`,
      );
    });
  });

  describe('loading checks every field', () => {
    let dir: string, file: string, mlpJson: Record<string, unknown>, forestJson: Record<string, unknown>;
    let forestDir: string;
    before(async () => {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-persist-fields-'));
      await saveDetector(a, path.join(base, 'm'));
      await saveDetector(forest, path.join(base, 'f'));
      mlpJson = JSON.parse(fs.readFileSync(path.join(base, 'm', MODEL_FILE), 'utf8'));
      forestJson = JSON.parse(fs.readFileSync(path.join(base, 'f', MODEL_FILE), 'utf8'));
      fs.rmSync(base, { recursive: true, force: true });
    });
    beforeEach(async () => {
      dir = path.join(root, 'm');
      forestDir = path.join(root, 'f');
      await saveDetector(a, dir);
      await saveDetector(forest, forestDir);
      file = path.join(dir, MODEL_FILE);
    });

    /** Writes the MLP model's manifest changed by `edit` (a deep copy) into the folder, with its real weights file name. */
    function tamper(edit: (m: any) => void, into = dir, from = mlpJson): string {
      const m = JSON.parse(JSON.stringify(from));
      const current = JSON.parse(fs.readFileSync(path.join(into, MODEL_FILE), 'utf8'));
      if (current.weightsFile) m.weightsFile = current.weightsFile;
      edit(m);
      const f = path.join(into, MODEL_FILE);
      fs.writeFileSync(f, JSON.stringify(m));
      return f;
    }

    it('refuses a threshold that is not a finite number (NaN is saved as null)', async () => {
      tamper((m) => {
        m.threshold = null;
      });
      await rejectsInput(loadDetector(dir), `${file}: field 'threshold' must be a finite number, got null`);
      tamper((m) => {
        m.threshold = '0.5';
      });
      await rejectsInput(loadDetector(dir), `${file}: field 'threshold' must be a finite number, got "0.5"`);
      tamper((m) => {
        delete m.threshold;
      });
      await rejectsInput(loadDetector(dir), `${file}: field 'threshold' must be a finite number, got nothing`);
    });

    it('refuses bad options, naming the option', async () => {
      tamper((m) => {
        m.options.batchSize = 0;
      });
      await rejectsInput(
        loadDetector(dir),
        new RegExp(`^${escape(file)}: field 'options\\.batchSize' must be .+, got 0$`),
      );
      tamper((m) => {
        m.options.epoch = 3;
      });
      await rejectsInput(
        loadDetector(dir),
        new RegExp(`^${escape(file)}: field 'options\\.epoch' is not a detector option \\(options: method, known,`),
      );
      tamper((m) => {
        m.options = [1];
      });
      await rejectsInput(loadDetector(dir), `${file}: field 'options' must be an object, got [1]`);
    });

    it("refuses weight shapes that do not chain, an input width that is not the encoder's, other hidden layers", async () => {
      tamper((m) => {
        m.mlp.shapes[2] = [7, 1];
      });
      await rejectsInput(
        loadDetector(dir),
        `${file}: field 'mlp.shapes[2]' must be [8, 1] (the layers must chain: inputs 8, hidden [8]), got [7, 1]`,
      );
      tamper((m) => {
        m.mlp.shapes.pop();
      });
      await rejectsInput(
        loadDetector(dir),
        `${file}: field 'mlp.shapes' must be 4 arrays (weights and biases of 2 layers), got [[8,8],[8],[8,1]]`,
      );
      tamper((m) => {
        m.mlp.inputs = 9;
      });
      await rejectsInput(
        loadDetector(dir),
        `${file}: field 'mlp.inputs' must be 8, the encoder's width (its encoded columns), got 9`,
      );
      tamper((m) => {
        m.mlp.hidden = [9];
      });
      await rejectsInput(loadDetector(dir), `${file}: field 'mlp.hidden' must be [8], as options.hidden, got [9]`);
      tamper((m) => {
        m.mlp.activation = 'tanh';
      });
      await rejectsInput(
        loadDetector(dir),
        `${file}: field 'mlp.activation' must be "leaky_relu", as options.activation, got "tanh"`,
      );
      tamper((m) => {
        delete m.mlp;
      });
      await rejectsInput(
        loadDetector(dir),
        `${file}: field 'mlp' must be an object (the network of method 'vcsa'), got nothing`,
      );
    });

    it('refuses a weights file name that leaves the folder', async () => {
      tamper((m) => {
        m.weightsFile = '../../etc/passwd';
      });
      await rejectsInput(
        loadDetector(dir),
        `${file}: field 'weightsFile' must be a file name like weights-<hex>.bin in the model folder, got "../../etc/passwd"`,
      );
    });

    it('refuses an encoder that cannot encode: no features, an empty range, repeated categories, a kind it does not know', async () => {
      tamper((m) => {
        m.encoder.features = [];
      });
      await rejectsInput(loadDetector(dir), `${file}: field 'encoder.features' must be a non-empty array, got []`);
      const min = (mlpJson as any).encoder.features[0].min;
      tamper((m) => {
        m.encoder.features[0].max = m.encoder.features[0].min;
      });
      await rejectsInput(
        loadDetector(dir),
        `${file}: field 'encoder.features[0].max' must be a number greater than min (${min}), got ${min}`,
      );
      tamper((m) => {
        m.encoder.features[5].categories = ['blue', 'blue', 'red'];
      });
      await rejectsInput(
        loadDetector(dir),
        `${file}: field 'encoder.features[5].categories[1]' must be a string not listed before, got "blue"`,
      );
      tamper((m) => {
        m.encoder.features[1].kind = 'date';
      });
      await rejectsInput(
        loadDetector(dir),
        `${file}: field 'encoder.features[1].kind' must be one of numeric, binary, categorical, got "date"`,
      );
      tamper((m) => {
        m.summary.knownTypes = 'far';
      });
      await rejectsInput(
        loadDetector(dir),
        `${file}: field 'summary.knownTypes' must be an array of strings, got "far"`,
      );
      tamper((m) => {
        m.reference = m.reference.slice(1);
      });
      await rejectsInput(
        loadDetector(dir),
        /field 'reference' must be an array of 6 entries, one per encoder feature, got \[/,
      );
    });

    it('refuses a forest with a cycle, a second parent, a feature out of range, or a tree deeper than psi allows', async () => {
      const tree = (forestJson as any).forest.trees[0];
      const n = tree.feature.length;
      const inner = tree.feature.findIndex((f: number, i: number) => i > 0 && f >= 0);
      assert.ok(inner > 0);
      const f = path.join(forestDir, MODEL_FILE);
      const forestTamper = (edit: (m: any) => void): string => tamper(edit, forestDir, forestJson);
      forestTamper((m) => {
        m.forest.trees[0].left[inner] = 0;
      });
      await rejectsInput(
        loadDetector(forestDir),
        `${f}: field 'forest.trees[0].left[${inner}]' must be a node id in ${inner + 1}..${n - 1} (children come after their parent), got 0`,
      );
      forestTamper((m) => {
        m.forest.trees[0].right[0] = m.forest.trees[0].left[0];
      });
      await rejectsInput(
        loadDetector(forestDir),
        `${f}: field 'forest.trees[0].right[0]' must be a node that is no other node's child, got 1 (a second parent)`,
      );
      forestTamper((m) => {
        m.forest.trees[0].feature[0] = 8;
      });
      await rejectsInput(
        loadDetector(forestDir),
        `${f}: field 'forest.trees[0].feature[0]' must be a column index in 0..7, or -1 for a leaf, got 8`,
      );
      forestTamper((m) => {
        m.forest.trees[0].feature[0] = -1;
      });
      await rejectsInput(
        loadDetector(forestDir),
        `${f}: field 'forest.trees[0].left[0]' must be -1 (node 0 is a leaf: feature -1), got 1`,
      );
      forestTamper((m) => {
        m.forest.trees[0].split[0] = null;
      });
      await rejectsInput(
        loadDetector(forestDir),
        `${f}: field 'forest.trees[0].split[0]' must be a finite number, got null`,
      );
      forestTamper((m) => {
        m.forest.trees[0].leafPath.pop();
      });
      await rejectsInput(
        loadDetector(forestDir),
        new RegExp(
          `^${escape(f)}: field 'forest\\.trees\\[0\\]\\.leafPath' must be an array of ${n} nodes, as many as feature, got \\[`,
        ),
      );
      // A chain 0 -> 1 -> 2 -> ... : every child after its parent, but deeper than ceil(log2(psi)) = 8.
      forestTamper((m) => {
        const k = 12;
        m.forest.trees[0] = {
          feature: Array.from({ length: 2 * k + 1 }, (_, i) => (i % 2 === 0 && i < 2 * k ? 0 : -1)),
          split: Array(2 * k + 1).fill(0.5),
          leafPath: Array(2 * k + 1).fill(1),
          left: Array.from({ length: 2 * k + 1 }, (_, i) => (i % 2 === 0 && i < 2 * k ? i + 1 : -1)),
          right: Array.from({ length: 2 * k + 1 }, (_, i) => (i % 2 === 0 && i < 2 * k ? i + 2 : -1)),
        };
      });
      await rejectsInput(
        loadDetector(forestDir),
        `${f}: field 'forest.trees[0].left[16]' puts node 17 at depth 9, deeper than ceil(log2(psi)) = 8`,
      );
    });

    it('refuses a forest whose psi, trees or width are nonsense', async () => {
      const f = path.join(forestDir, MODEL_FILE);
      const forestTamper = (edit: (m: any) => void): string => tamper(edit, forestDir, forestJson);
      forestTamper((m) => {
        m.forest.psi = 0;
      });
      await rejectsInput(
        loadDetector(forestDir),
        `${f}: field 'forest.psi' must be an integer in 2..256 (options.maxSamples), got 0`,
      );
      forestTamper((m) => {
        m.forest.trees = [];
      });
      await rejectsInput(
        loadDetector(forestDir),
        `${f}: field 'forest.trees' must be an array of 5 trees (options.nEstimators), got []`,
      );
      forestTamper((m) => {
        m.forest.trees[2] = 'tree';
      });
      await rejectsInput(loadDetector(forestDir), `${f}: field 'forest.trees[2]' must be an object, got "tree"`);
      forestTamper((m) => {
        m.forest.cols = 9;
      });
      await rejectsInput(
        loadDetector(forestDir),
        `${f}: field 'forest.cols' must be 8, the number of encoded columns, got 9`,
      );
      forestTamper((m) => {
        m.forest.options.nEstimators = 1e9;
      });
      await rejectsInput(
        loadDetector(forestDir),
        `${f}: field 'forest.options.nEstimators' must be an integer in 1..100000, got 1000000000`,
      );
      forestTamper((m) => {
        delete m.forest;
      });
      await rejectsInput(loadDetector(forestDir), `${f}: field 'forest' must be an object, got nothing`);
      forestTamper((m) => {
        m.mlp = (mlpJson as any).mlp;
      });
      await rejectsInput(loadDetector(forestDir), `${f}: field 'mlp' must be absent for method 'iforest'`);
    });
  });
});
