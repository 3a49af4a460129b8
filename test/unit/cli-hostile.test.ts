// The command line against careless and hostile use (issue 12): outputs that would destroy inputs, killed
// runs, values that overflow, unseen categories, absurd sizes, mistakes found only after training, and
// terminal escape sequences in the data. Each case asserts the exact message and that no file is lost.
import { strict as assert } from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'synthad.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function synthad(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` with its bytes, for "nothing changed" checks. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p);
    out[name] = st.isDirectory()
      ? `<dir> ${JSON.stringify(snapshot(p))}`
      : st.isSymbolicLink()
        ? `-> ${fs.readlinkSync(p)}`
        : fs.readFileSync(p).toString('base64');
  }
  return out;
}

/** A numeric table: `rows` rows of a, b, c (smooth) and a category column. */
function table(rows: number, extra: (i: number) => string = () => ''): string {
  const lines = ['a,b,c,kind'];
  for (let i = 0; i < rows; i++)
    lines.push(`${(i % 97) / 97},${((i * 7) % 89) / 89},${((i * 13) % 83) / 83},${['x', 'y', 'z'][i % 3]}${extra(i)}`);
  return lines.join('\n') + '\n';
}

describe('synthad command, hostile input', function () {
  this.timeout(120_000);
  let dir: string;
  const file = (name: string): string => path.join(dir, name);
  const write = (name: string, text: string): string => {
    fs.writeFileSync(file(name), text);
    return name;
  };
  const FAST = ['--hidden', '8', '--epochs', '2', '--quiet'];

  /** Trains a model into `name` (iforest by default: fast) on a fresh train.csv. */
  const trainModel = (name: string, detector = 'iforest'): void => {
    write('train.csv', table(300));
    const r = synthad(['train', 'train.csv', '--detector', detector, ...FAST, '--out', name], dir);
    assert.equal(r.code, 0, r.stderr);
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-hostile-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('outputs never overwrite inputs', () => {
    it('score --out naming the input file is refused before any work, the input untouched', () => {
      trainModel('model');
      write('data.csv', 'a,b,c,kind\n007,NA,"1,5",x\n0.5,0.5,0.5,y\n');
      const before = snapshot(dir);
      const r = synthad(['score', 'model', 'data.csv', '--out', 'data.csv'], dir);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'synthad: data.csv: is the input file data.csv; refusing to write over it (choose another output file)\n',
      );
      assert.deepEqual(snapshot(dir), before);
    });

    it('score --out reaching the input through a symlink, a hard link or ./ is refused', () => {
      trainModel('model');
      write('data.csv', table(20));
      fs.symlinkSync('data.csv', file('alias.csv'));
      fs.linkSync(file('data.csv'), file('hard.csv'));
      const before = snapshot(dir);
      for (const out of ['alias.csv', 'hard.csv', './sub/../data.csv', file('data.csv')]) {
        const r = synthad(['score', 'model', 'data.csv', '--out', out], dir);
        assert.equal(r.code, 1, out);
        assert.equal(
          r.stderr,
          `synthad: ${out}: is the input file data.csv; refusing to write over it (choose another output file)\n`,
        );
      }
      assert.deepEqual(snapshot(dir), before);
    });

    it('score --out naming the model manifest is refused', () => {
      trainModel('model');
      write('data.csv', table(20));
      const r = synthad(['score', 'model', 'data.csv', '--out', 'model/synthad-model.json'], dir);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'synthad: model/synthad-model.json: is the input file model/synthad-model.json; refusing to write over it (choose another output file)\n',
      );
    });

    it('detect --out naming its data file is refused before training', () => {
      write('data.csv', table(200));
      const before = snapshot(dir);
      const r = synthad(['detect', 'data.csv', '--out', 'data.csv', '--epochs', '50'], dir);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'synthad: data.csv: is the input file data.csv; refusing to write over it (choose another output file)\n',
      );
      assert.deepEqual(snapshot(dir), before);
    });

    it('score --out that is a folder, or in a missing folder, is refused before the model is read', () => {
      write('data.csv', table(20));
      fs.mkdirSync(file('out'));
      // No model folder at all: the output is checked first.
      let r = synthad(['score', 'nomodel', 'data.csv', '--out', 'out'], dir);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'synthad: out: is a folder; --out needs a file path\n');
      r = synthad(['score', 'nomodel', 'data.csv', '--out', 'missing/scores.csv'], dir);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `synthad: missing/scores.csv: the folder ${path.join(dir, 'missing')} does not exist\n`);
    });
  });

  describe("a model save never deletes the user's files", () => {
    it('train --out "" (the current folder) holding other files is refused before training, nothing touched', () => {
      write('train.csv', table(300));
      write('notes.txt', 'my notes\n');
      const before = snapshot(dir);
      const r = synthad(['train', 'train.csv', '--detector', 'iforest', '--quiet', '--out', ''], dir);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `synthad: ${dir}: holds files that are not part of a SynthAD model (notes.txt, train.csv); save the model into an empty or new folder\n`,
      );
      assert.deepEqual(snapshot(dir), before);
    });

    it('train --out over an existing model folder that also holds a user file is refused; the model and file stay', () => {
      trainModel('model');
      write('model/README.txt', 'what this model is\n');
      const before = snapshot(dir);
      const r = synthad(
        ['train', 'train.csv', '--detector', 'iforest', '--seed', '5', '--quiet', '--out', 'model'],
        dir,
      );
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `synthad: ${file('model')}: holds files that are not part of a SynthAD model (README.txt); save the model into an empty or new folder\n`,
      );
      assert.deepEqual(snapshot(dir), before);
    });

    it('train --out over a model folder replaces the model, leaving exactly its files', () => {
      trainModel('model', 'vcsa');
      const r = synthad(['train', 'train.csv', '--detector', 'vcsa', ...FAST, '--seed', '5', '--out', 'model'], dir);
      assert.equal(r.code, 0, r.stderr);
      const names = fs.readdirSync(file('model')).sort();
      assert.equal(names.length, 2, names.join(' '));
      assert.equal(names[0], 'synthad-model.json');
      assert.match(names[1], /^weights-[0-9a-f-]+\.bin$/);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['model', 'train.csv']);
    });
  });

  describe('hostile data files', () => {
    it('a named pipe as input is refused in one line, without hanging', () => {
      spawnSync('mkfifo', [file('pipe.csv')]);
      trainModel('model');
      const r = spawnSync(process.execPath, [BIN, 'score', 'model', 'pipe.csv', '--out', 'scores.csv'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(
        r.stderr,
        'synthad: pipe.csv: not a regular file (a pipe, socket or device); save the data to a file first\n',
      );
    });

    it('Latin-1 bytes are read with a warning naming the first line', () => {
      trainModel('model');
      const text = Buffer.concat([
        Buffer.from('a,b,c,kind\n0.5,0.5,0.5,x\n0.1,0.2,0.3,'),
        Buffer.from([0x63, 0x61, 0x66, 0xe9]),
        Buffer.from('\n'),
      ]);
      fs.writeFileSync(file('latin1.csv'), text);
      const r = synthad(['score', 'model', 'latin1.csv', '--out', 'scores.csv', '--quiet'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stderr.split('\n')[0],
        "synthad: warning: latin1.csv, line 3: not valid UTF-8 (1 line has bytes that are not UTF-8, e.g. Latin-1 'é'); they were read with \ufffd in their place: save the file as UTF-8",
      );
    });

    it('an ID column with 15,000 distinct values is refused naming it and --drop, before encoding', () => {
      const lines = ['id,v'];
      for (let i = 0; i < 15_000; i++) lines.push(`user-${i},${i % 13}`);
      write('ids.csv', lines.join('\n') + '\n');
      const r = synthad(['detect', 'ids.csv', '--detector', 'iforest'], dir);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        "synthad: ids.csv, column 'id': 15000 distinct text values (more than 1000, the most a categorical feature may have); " +
          "an ID or free-text column cannot be one-hot encoded: drop it (--drop id, or drop: ['id'] in a notebook), or fix its numbers if it should be numeric\n",
      );
      const dropped = synthad(['detect', 'ids.csv', '--detector', 'iforest', '--drop', 'id', '--top', '1'], dir);
      assert.equal(dropped.code, 0, dropped.stderr);
    });

    it('a decimal-comma file with ; reads as numbers', () => {
      const lines = ['a;b'];
      for (let i = 0; i < 200; i++) lines.push(`${i % 10},${i % 7};${(i * 3) % 11},5`);
      write('comma.csv', lines.join('\n') + '\n');
      const r = synthad(['detect', 'comma.csv', '--detector', 'iforest', '--top', '1', '--json'], dir);
      assert.equal(r.code, 0, r.stderr);
      const top = JSON.parse(r.stdout).top[0];
      assert.equal(typeof top.values.a, 'number');
      assert.equal(typeof top.values.b, 'number');
    });
  });

  describe('killed scoring leaves the old output and no partial files', () => {
    const BIG = 40_000; // rows: more than 1 MB of output, so the writer passes its mid-file failpoint

    const setup = (): void => {
      trainModel('model');
      write('data.csv', table(BIG));
      write('scores.csv', 'old scores\n');
    };
    const partials = (): string[] => fs.readdirSync(dir).filter((n) => n.includes('.partial-'));

    for (const point of ['csv:partial', 'csv:complete']) {
      it(`SIGTERM at ${point}: exit 143, old output intact, no partial file`, () => {
        setup();
        const r = synthad(['score', 'model', 'data.csv', '--out', 'scores.csv'], dir, {
          SYNTHAD_FAILPOINT: point,
          SYNTHAD_FAILPOINT_SIGNAL: 'SIGTERM',
        });
        assert.equal(r.code, 143, r.stderr);
        assert.equal(r.stderr, 'synthad: ended by SIGTERM; no partial output left behind\n');
        assert.equal(fs.readFileSync(file('scores.csv'), 'utf8'), 'old scores\n');
        assert.deepEqual(partials(), []);
      });

      it(`SIGKILL at ${point}: old output intact; the next run removes the dead run's partial file`, () => {
        setup();
        const r = synthad(['score', 'model', 'data.csv', '--out', 'scores.csv'], dir, { SYNTHAD_FAILPOINT: point });
        assert.equal(r.signal, 'SIGKILL');
        assert.equal(fs.readFileSync(file('scores.csv'), 'utf8'), 'old scores\n');
        assert.equal(partials().length, 1, 'a SIGKILL cannot clean up after itself');
        const again = synthad(['score', 'model', 'data.csv', '--out', 'scores.csv', '--quiet'], dir);
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(partials(), []);
        assert.equal(fs.readFileSync(file('scores.csv'), 'utf8').split('\n').length, BIG + 2);
      });
    }

    it('Ctrl+C (SIGINT) while writing: exit 130, old output intact, no partial file', async () => {
      setup();
      const child = spawn(process.execPath, [BIN, 'score', 'model', 'data.csv', '--out', 'scores.csv'], {
        cwd: dir,
        env: { ...process.env, SYNTHAD_FAILPOINT: 'csv:partial', SYNTHAD_FAILPOINT_SIGNAL: 'SIGINT' },
      });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += String(d);
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      assert.equal(code, 130, stderr);
      assert.equal(stderr, 'synthad: interrupted; no partial output left behind\n');
      assert.equal(fs.readFileSync(file('scores.csv'), 'utf8'), 'old scores\n');
      assert.deepEqual(partials(), []);
    });
  });

  describe('never scores garbage as normal', () => {
    it('a value that overflows float32 after scaling scores +Infinity, flagged, with a warning (VC-SA)', () => {
      trainModel('model', 'vcsa');
      write('data.csv', 'a,b,c,kind\n0.5,0.5,0.5,x\n1e300,0.5,0.5,y\n0.5,-1e39,0.5,z\n');
      const r = synthad(['score', 'model', 'data.csv', '--out', 'scores.csv', '--quiet'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stderr,
        'synthad: warning: data.csv: 2 rows have values more than 1e+6 training ranges outside the training data ' +
          "(first: line 3, column 'a'); scored +Infinity and flagged as anomalies\n",
      );
      const rows = fs
        .readFileSync(file('scores.csv'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(','));
      assert.deepEqual(rows[0], ['a', 'b', 'c', 'kind', 'score', 'prediction']);
      assert.ok(Number.isFinite(Number(rows[1][4])), rows[1][4]);
      assert.deepEqual(
        rows.slice(2).map((r) => r.slice(4)),
        [
          ['Infinity', '1'],
          ['Infinity', '1'],
        ],
      );
    });

    it('the Isolation Forest flags an overflowing value the same way', () => {
      trainModel('model', 'iforest');
      write('data.csv', 'a,b,c,kind\n0.5,0.5,0.5,x\n1e300,0.5,0.5,y\n');
      const r = synthad(['score', 'model', 'data.csv', '--out', 'scores.csv', '--quiet'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^synthad: warning: data\.csv: 1 row has values more than 1e\+6 training ranges/);
      const rows = fs
        .readFileSync(file('scores.csv'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(','));
      assert.deepEqual(rows[2].slice(4), ['Infinity', '1']);
    });

    it('unseen categories at score time get a one-line warning with counts', () => {
      trainModel('model');
      write('data.csv', 'a,b,c,kind\n0.5,0.5,0.5,x\n0.5,0.5,0.5,w\n0.5,0.5,0.5,w\n0.5,0.5,0.5,v\n0.5,0.5,0.5,\n');
      const r = synthad(['score', 'model', 'data.csv', '--out', 'scores.csv', '--quiet'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stderr,
        "synthad: warning: data.csv: 3 values of categories not seen in training (3 in 'kind'); scored as no category\n",
      );
    });
  });

  describe('fails fast, bounded', () => {
    const cases: Array<[string, string[], string]> = [
      ['--ratio 1e6', ['--ratio', '1e6'], 'synthad: --ratio must be a number > 0 and at most 100, got 1000000\n'],
      [
        '--hidden 100000,100000',
        ['--hidden', '100000,100000'],
        'synthad: --hidden must be a list of 1 to 16 layer widths, each an integer from 1 to 8192, got [100000,100000]\n',
      ],
      [
        '--batch-size 1e9',
        ['--batch-size', '1e9'],
        'synthad: --batch-size must be an integer from 1 to 1048576, got 1000000000\n',
      ],
      ['--lr 0', ['--lr', '0'], 'synthad: --lr must be a number > 0 and at most 10, got 0\n'],
      ['--epochs 1e7', ['--epochs', '1e7'], 'synthad: --epochs must be an integer from 1 to 100000, got 10000000\n'],
      [
        '--trees 0',
        ['--trees', '0', '--detector', 'iforest'],
        'synthad: --trees must be an integer from 1 to 10000, got 0\n',
      ],
      [
        '--max-samples 1',
        ['--max-samples', '1', '--detector', 'iforest'],
        'synthad: --max-samples must be an integer from 2 to 16777216, got 1\n',
      ],
    ];
    for (const [name, flags, message] of cases) {
      it(`${name} is refused naming the flag, before the data is read`, () => {
        // The data file does not exist: the option is checked first.
        const r = synthad(['train', 'nothing.csv', ...flags, '--out', 'm'], dir);
        assert.equal(r.code, 1);
        assert.equal(r.stderr, message);
        assert.deepEqual(fs.readdirSync(dir), []);
      });
    }

    it('--hidden that is not a list of numbers is a usage error', () => {
      const r = synthad(['train', 'nothing.csv', '--hidden', '500;500', '--out', 'm'], dir);
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        "synthad: --hidden must be layer widths separated by commas, e.g. 500,500; got '500;500'\nRun 'synthad help' for usage.\n",
      );
    });

    it("evaluate checks the test file's columns before training", () => {
      write(
        'train.csv',
        table(200)
          .replace('a,b,c,kind', 'a,b,c,kind')
          .split('\n')
          .map((l, i) => (l === '' ? l : `${l},${i === 0 ? 'label' : i % 20 === 0 ? 'bad' : 'ok'}`))
          .join('\n'),
      );
      write('test.csv', 'a,b,kind,label\n0.1,0.2,x,ok\n0.3,0.1,y,bad\n');
      const r = synthad(
        [
          'evaluate',
          '--train',
          'train.csv',
          '--test',
          'test.csv',
          '--label',
          'label',
          '--normal',
          'ok',
          '--epochs',
          '200',
        ],
        dir,
      );
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        "synthad: test.csv: no column 'c', which the training data has (columns here: a, b, kind, label)\n",
      );
    });

    it('evaluate and detect check --report before training', () => {
      write('data.csv', table(200));
      write('taken', 'a file, not a folder\n');
      const r = synthad(['detect', 'data.csv', '--report', 'taken', '--epochs', '200'], dir);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'synthad: taken: is a file; --report needs a folder\n');
      const r2 = synthad(['detect', 'data.csv', '--report', 'taken/sub', '--epochs', '200'], dir);
      assert.equal(r2.code, 1);
      assert.equal(
        r2.stderr,
        `synthad: taken/sub: ${path.join(dir, 'taken')} is a file, so no folder can be made under it\n`,
      );
      assert.equal(fs.readFileSync(file('taken'), 'utf8'), 'a file, not a folder\n');
    });

    it('terminal escape sequences in column names and cells are stripped from what is printed', () => {
      const esc = '\x1b[2J\x1b]0;pwned\x07';
      const rows = ['x,' + `"${esc}evil"`];
      for (let i = 0; i < 120; i++) rows.push(`${i % 10},${i === 7 ? 1000 : i % 5}`);
      write('esc.csv', rows.join('\n') + '\n');
      const r = synthad(['detect', 'esc.csv', '--detector', 'iforest', '--top', '3'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(r.stdout), JSON.stringify(r.stdout));
      assert.match(r.stdout, /\[2J\]0;pwnedevil = 1000/);
      const bad = synthad(['train', 'esc.csv', '--label', `${esc}evil`, '--normal', 'x', '--out', 'm'], dir);
      assert.equal(bad.code, 1);
      assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(bad.stderr), JSON.stringify(bad.stderr));
    });
  });
});
