import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'synthad.js');
const THYROID_TRAIN = path.join(ROOT, 'samples', 'thyroid-train.csv');
const THYROID_TEST = path.join(ROOT, 'samples', 'thyroid-test.csv');

function synthad(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('synthad command', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    fs.writeFileSync(path.join(dir, name), text);
    return name;
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-cli-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const FAST = ['--detector', 'vcsa', '--hidden', '16,16', '--epochs', '2', '--quiet'];

  it('evaluate --report writes the charts as PNG files and an escaped HTML report', () => {
    const hostile = write(
      'hostile-train.csv',
      'x,"<b>y</b>",label\n' +
        Array.from(
          { length: 60 },
          (_, i) => `${i % 7},${(i * 3) % 5},${i % 10 === 0 ? '<script>alert(1)</script>' : 'normal'}`,
        ).join('\n') +
        '\n',
    );
    const r = synthad(
      [
        'evaluate',
        '--train',
        hostile,
        '--test',
        hostile,
        '--label',
        'label',
        '--normal',
        'normal',
        '--report',
        'rep',
        ...FAST,
      ],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = path.join(dir, 'rep');
    assert.deepEqual(fs.readdirSync(out).sort(), ['pr.png', 'report.html', 'roc.png', 'scores.png', 'training.png']);
    for (const f of ['pr.png', 'roc.png', 'scores.png', 'training.png']) {
      const png = fs.readFileSync(path.join(out, f));
      assert.equal(png.readUInt32BE(0), 0x89504e47, f);
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [800, 450], f);
    }
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; \(known\)/);
    assert.ok(!html.includes('<script>'));
    assert.match(html, /<img src="roc.png" alt="ROC: VC-SA" width="800" height="450">/);
  });

  it('evaluate --json prints exactly one JSON object with the metrics, timings and backend', () => {
    const r = synthad(
      [
        'evaluate',
        '--train',
        THYROID_TRAIN,
        '--test',
        THYROID_TEST,
        '--label',
        'class',
        '--normal',
        'normal',
        '--known',
        'hyperfunction',
        '--seed',
        '1',
        '--json',
        ...FAST,
      ],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const out = JSON.parse(lines[0]);
    for (const key of ['auroc', 'aupr', 'perType', 'epochs', 'trainSeconds', 'rowsPerSecond', 'backend'])
      assert.ok(key in out, key);
    assert.deepEqual(
      out.perType.map((t: { type: string; known: boolean }) => [t.type, t.known]),
      [
        ['hyperfunction', true],
        ['subnormal', false],
      ],
    );
    assert.equal(out.epochs, 2);
    assert.ok(out.auroc > 0 && out.auroc <= 1);
    // Debian's libopenblas0-pthread (installed by .ci/run) is found by auto, with every core.
    assert.equal(out.backend, 'blas');
    const cores = os.availableParallelism();
    assert.equal(out.threads, cores);
    assert.match(
      out.backendDetail,
      new RegExp(
        `^blas: libopenblas\\.so\\.0 \\(OpenBLAS [0-9.]+[^)]*\\), ${cores > 1 ? `${cores} worker threads` : '1 thread'}$`,
      ),
    );
  });

  it('trains on --threads N and scores a saved model on another backend with the same scores', () => {
    const t = synthad(
      [
        'train',
        THYROID_TRAIN,
        '--label',
        'class',
        '--normal',
        'normal',
        '--threads',
        '1',
        '--json',
        '--out',
        'model-threads',
        ...FAST,
      ],
      dir,
    );
    assert.equal(t.code, 0, t.stderr);
    const summary = JSON.parse(t.stdout);
    assert.equal(summary.threads, 1);
    assert.match(summary.backendDetail, /^blas: .*, 1 thread$/);
    const blas = synthad(['score', 'model-threads', THYROID_TEST, '--out', 'blas.csv', '--threads', '2'], dir);
    assert.equal(blas.code, 0, blas.stderr);
    // 3428 rows are two blocks of 2048: the second goes to the worker threads --threads asks for.
    assert.match(
      blas.stderr,
      /scored 3428 rows into blas\.csv on 2 worker threads \(blas: libopenblas\.so\.0 .*, 1 thread each\)\n$/,
    );
    const wasm = synthad(['score', 'model-threads', THYROID_TEST, '--out', 'wasm.csv', '--backend', 'wasm'], dir);
    assert.equal(wasm.code, 0, wasm.stderr);
    assert.match(wasm.stderr, /wasm, 1 thread/);
    const scores = (f: string): number[] =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => Number(l.split(',').at(-2)));
    const a = scores('blas.csv'),
      b = scores('wasm.csv');
    assert.equal(a.length, 3428);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-4 * Math.max(1, Math.abs(v)), `row ${i}: ${v} vs ${b[i]}`));
  });

  it('falls back to wasm without a BLAS and says once how to install one', () => {
    const r = synthad(
      [
        'evaluate',
        '--train',
        THYROID_TRAIN,
        '--test',
        THYROID_TEST,
        '--label',
        'class',
        '--normal',
        'normal',
        '--json',
        ...FAST,
      ],
      dir,
      { SYNTHAD_BLAS: '/nonexistent/libopenblas.so.0' },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).backend, 'wasm');
    assert.equal(
      r.stderr,
      'synthad: no BLAS library found, so training runs slower: install OpenBLAS: `sudo apt install libopenblas0-pthread` ' +
        '(Debian, Ubuntu), `sudo dnf install openblas-threads` (Fedora), `sudo pacman -S openblas` (Arch), or set SYNTHAD_BLAS to a libopenblas or MKL libmkl_rt path\n',
    );
  });

  it('counts every anomaly type in the training file as known when --known is absent', () => {
    const r = synthad(
      [
        'evaluate',
        '--train',
        THYROID_TRAIN,
        '--test',
        THYROID_TEST,
        '--label',
        'class',
        '--normal',
        'normal',
        '--json',
        ...FAST,
      ],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).knownTypes, ['hyperfunction', 'subnormal']);
  });

  it('trains, saves, and scores a file, adding score and prediction columns', () => {
    const t = synthad(
      ['train', THYROID_TRAIN, '--label', 'class', '--normal', 'normal', '--out', 'model', ...FAST],
      dir,
    );
    assert.equal(t.code, 0, t.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'model', 'synthad-model.json')));
    const s = synthad(['score', 'model', THYROID_TEST, '--out', 'scores.csv', '--quiet'], dir);
    assert.equal(s.code, 0, s.stderr);
    const lines = fs.readFileSync(path.join(dir, 'scores.csv'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 3429);
    assert.ok(lines[0].endsWith(',class,score,prediction'));
    const flagged = lines.slice(1).filter((l) => l.endsWith(',1')).length;
    assert.ok(flagged > 50 && flagged < 1500, `flagged ${flagged}`);
  });

  it('prints progress on stderr and nothing else on stdout', () => {
    const r = synthad(
      [
        'evaluate',
        '--train',
        THYROID_TRAIN,
        '--test',
        THYROID_TEST,
        '--label',
        'class',
        '--normal',
        'normal',
        '--json',
        '--detector',
        'vcsa',
        '--hidden',
        '8',
        '--epochs',
        '2',
      ],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /VC-SA epoch 1\/2 loss \d\.\d{4} val \d\.\d{4} best 1 \d+ rows\/s ETA <= \d+s/);
    assert.doesNotThrow(() => JSON.parse(r.stdout));
  });

  const bad: Array<[string, string, string[], string]> = [
    ['a missing file', '', ['missing.csv'], 'synthad: missing.csv: file not found'],
    [
      'an empty file',
      'a,b,class\n',
      ['empty.csv'],
      'synthad: empty.csv: no data rows (expected a header line and at least one row)',
    ],
    [
      'a ragged row',
      'a,b,class\n1,2,normal\n3,normal\n',
      ['ragged.csv'],
      'synthad: ragged.csv, line 3: expected 3 fields as in the header, got 2',
    ],
    [
      'one column',
      'class\nnormal\nbad\n',
      ['onecol.csv'],
      'synthad: onecol.csv: no feature columns (every column is the label or dropped)',
    ],
    [
      'junk in a numeric column',
      'a,b,class\n' + '1,2,normal\n'.repeat(30) + 'x1,2,bad\n',
      ['junk.csv'],
      "synthad: junk.csv, line 32, column 'a': expected a number, got 'x1'",
    ],
    [
      'NaN',
      'a,b,class\n1,2,normal\nNaN,4,bad\n',
      ['nan.csv'],
      "synthad: nan.csv, line 3, column 'a': expected a finite number, got 'NaN'",
    ],
    [
      'Infinity',
      'a,b,class\n1,2,normal\n3,-Infinity,bad\n',
      ['inf.csv'],
      "synthad: inf.csv, line 3, column 'b': expected a finite number, got '-Infinity'",
    ],
    [
      'no such label column',
      'a,b,class\n1,2,normal\n',
      ['ok.csv', '--label', 'klass'],
      "synthad: ok.csv: no column 'klass' (columns: a, b, class)",
    ],
    [
      'no normal rows',
      'a,b,class\n1,2,normal\n3,4,bad\n',
      ['ok2.csv', '--normal', 'nrml'],
      "synthad: ok2.csv, column 'class': no rows with the normal value 'nrml' (values seen: bad 1, normal 1)",
    ],
  ];
  for (const [what, text, args, message] of bad) {
    it(`exits non-zero with a one-line message for ${what}`, () => {
      if (text) write(args[0], text);
      const hasLabel = args.includes('--label'),
        hasNormal = args.includes('--normal');
      const r = synthad(
        [
          'train',
          ...args,
          ...(hasLabel ? [] : ['--label', 'class']),
          ...(hasNormal ? [] : ['--normal', 'normal']),
          '--out',
          'm',
          ...FAST,
        ],
        dir,
      );
      assert.equal(r.code, 1);
      assert.equal(r.stderr, message + '\n');
      assert.equal(r.stdout, '');
      assert.ok(!fs.existsSync(path.join(dir, 'm')), 'no model folder is written');
    });
  }

  it('rejects a bad option value and an unknown command with usage errors (exit 2)', () => {
    write('u.csv', 'a,b,class\n1,2,normal\n3,4,bad\n');
    const r = synthad(
      ['train', 'u.csv', '--label', 'class', '--normal', 'normal', '--epochs', 'ten', '--out', 'm'],
      dir,
    );
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "synthad: --epochs must be an integer, got 'ten'\nRun 'synthad help' for usage.\n");
    const c = synthad(['fit'], dir);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /^synthad: unknown command 'fit' \(commands: train, detect, score, evaluate, export\)/);
  });

  it('prints the usage for `synthad COMMAND --help` and `-h`, with exit 0 and nothing on stderr', () => {
    for (const args of [
      ['evaluate', '--help'],
      ['train', 'x.csv', '-h'],
      ['score', '--help'],
    ]) {
      const r = synthad(args, dir);
      assert.equal(r.code, 0, args.join(' '));
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^synthad \S+: anomaly detection with synthetic anomalies\n/);
      assert.match(r.stdout, /synthad evaluate --train A --test B --label COL/);
    }
  });

  it('picks the backend from SYNTHAD_BACKEND and reports it; a backend that cannot start is a one-line error', () => {
    const args = [
      'evaluate',
      '--train',
      THYROID_TRAIN,
      '--test',
      THYROID_TEST,
      '--label',
      'class',
      '--normal',
      'normal',
      '--json',
      '--detector',
      'vcsa',
      '--hidden',
      '8',
      '--epochs',
      '1',
      '--quiet',
    ];
    const cpu = synthad(args, dir, { SYNTHAD_BACKEND: 'cpu' });
    assert.equal(cpu.code, 0, cpu.stderr);
    assert.equal(JSON.parse(cpu.stdout).backend, 'cpu');
    assert.equal(cpu.stderr, '', 'no tfjs banner on stderr');
    const bad = synthad(args, dir, { SYNTHAD_BACKEND: 'gpu' });
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "synthad: SYNTHAD_BACKEND must be one of auto, blas, tensorflow, wasm, cpu; got 'gpu'\n");
    // tfjs-node is an optional dependency whose install downloads libtensorflow; where it is absent, forcing it fails clearly.
    let nodeBackend = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      nodeBackend = false;
    }
    const tf = synthad(args, dir, { SYNTHAD_BACKEND: 'tensorflow' });
    if (nodeBackend) assert.equal(JSON.parse(tf.stdout).backend, 'tensorflow');
    else assert.equal(tf.stderr, "synthad: backend tensorflow: Cannot find module '@tensorflow/tfjs-node'\n");
  });

  describe('without labels', () => {
    /** 500 rows of 6 Gaussian features (x0..x5); rows 50, 150, ... 450 have x3 shifted by +8 (lines 52, 152, ...). */
    const planted = (withLabel: boolean): string => {
      let seed = 1;
      const uniform = (): number => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
      const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      const lines = ['x0,x1,x2,x3,x4,x5' + (withLabel ? ',label' : '')];
      for (let i = 0; i < 500; i++) {
        const row = Array.from({ length: 6 }, (_, d) => (normal() + (d === 3 && i % 100 === 50 ? 8 : 0)).toFixed(3));
        lines.push(row.join(',') + (withLabel ? `,${i % 100 === 50 ? 'odd' : 'normal'}` : ''));
      }
      return write(withLabel ? 'planted-labelled.csv' : 'planted.csv', lines.join('\n') + '\n');
    };
    const PLANTED_LINES = ['52', '152', '252', '352', '452'];

    it('trains without --label on every row and scores files with or without a label column', () => {
      const data = planted(false),
        labelled = planted(true);
      const t = synthad(
        [
          'train',
          data,
          '--json',
          '--out',
          'unsup',
          '--detector',
          'vcsa',
          '--hidden',
          '16,16',
          '--epochs',
          '5',
          '--quiet',
        ],
        dir,
      );
      assert.equal(t.code, 0, t.stderr);
      const summary = JSON.parse(t.stdout);
      assert.equal(summary.detector, 'VC-SA');
      assert.deepEqual(summary.knownTypes, []);
      const model = JSON.parse(fs.readFileSync(path.join(dir, 'unsup', 'synthad-model.json'), 'utf8'));
      assert.equal(model.summary.trainRows + model.summary.validationRows, 500);
      assert.deepEqual(
        model.encoder.features.map((f: { name: string }) => f.name),
        ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'],
      );
      for (const [file, header] of [
        [data, 'x0,x1,x2,x3,x4,x5,score,prediction'],
        [labelled, 'x0,x1,x2,x3,x4,x5,label,score,prediction'],
      ]) {
        const s = synthad(['score', 'unsup', file, '--out', 'unsup.csv', '--quiet'], dir);
        assert.equal(s.code, 0, s.stderr);
        const lines = fs.readFileSync(path.join(dir, 'unsup.csv'), 'utf8').trim().split('\n');
        assert.equal(lines[0], header);
        assert.equal(lines.length, 501);
      }
      const f = synthad(
        [
          'train',
          data,
          '--detector',
          'iforest',
          '--contamination',
          '0.02',
          '--json',
          '--out',
          'unsup-forest',
          '--quiet',
        ],
        dir,
      );
      assert.equal(f.code, 0, f.stderr);
      assert.equal(JSON.parse(f.stdout).detector, 'Isolation Forest');
      const s = synthad(['score', 'unsup-forest', data, '--out', 'forest.csv', '--quiet'], dir);
      assert.equal(s.code, 0, s.stderr);
      const flagged = fs
        .readFileSync(path.join(dir, 'forest.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .filter((l) => l.endsWith(',1'));
      assert.equal(flagged.length, 10); // 2 % of 500 training rows
    });

    it('detect trains on the file and prints the top rows with the feature that makes them anomalous', () => {
      const data = planted(false);
      const r = synthad(
        [
          'detect',
          data,
          '--top',
          '5',
          '--out',
          'detect.csv',
          '--detector',
          'vcsa',
          '--hidden',
          '16,16',
          '--epochs',
          '30',
          '--quiet',
        ],
        dir,
      );
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.match(
        lines[0],
        /^VC-SA on planted\.csv: 500 rows, \d+ above the threshold -?\d\.\d+(e-\d+)?; the 5 highest scores:$/,
      );
      assert.equal(lines[2], 'rank    line     score  flagged  why (feature = value, training range)');
      assert.equal(lines.length, 8);
      const rows = lines.slice(3).map((l) => l.trim().split(/\s+/));
      assert.deepEqual(
        rows.map((c) => c[0]),
        ['1', '2', '3', '4', '5'],
      );
      assert.deepEqual(rows.map((c) => c[1]).sort(), [...PLANTED_LINES].sort());
      for (const line of lines.slice(3)) {
        assert.match(line, /yes {6}x3 = [6-9]\.\d \(training range -\d\.\d\.\.\d\.\d\); x\d = -?\d/);
      }
      const csv = fs.readFileSync(path.join(dir, 'detect.csv'), 'utf8').trim().split('\n');
      assert.equal(csv.length, 501);
      assert.equal(csv[0], 'x0,x1,x2,x3,x4,x5,score,prediction');
      assert.equal(r.stderr, '');
    });

    it('detect --report writes the score distribution and an escaped HTML page of the top rows and why', () => {
      const r = synthad(
        ['detect', planted(false), '--detector', 'iforest', '--top', '5', '--report', 'detect-report', '--quiet'],
        dir,
      );
      assert.equal(r.code, 0, r.stderr);
      const out = path.join(dir, 'detect-report');
      assert.deepEqual(fs.readdirSync(out).sort(), ['report.html', 'scores.png']);
      assert.deepEqual([...fs.readFileSync(path.join(out, 'scores.png')).subarray(1, 4)], [0x50, 0x4e, 0x47]); // PNG
      const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
      assert.match(html, /<h1>Isolation Forest on planted\.csv<\/h1>/);
      const ranks = [...html.matchAll(/<tr><td class="n">(\d)<\/td><td class="n">(\d+)<\/td>/g)].map((m) => m[2]);
      assert.equal(ranks.length, 5);
      assert.ok(ranks.filter((l) => PLANTED_LINES.includes(l)).length >= 3, `top lines ${ranks.join(', ')}`);
      assert.match(html, /<td>x3 = [6-9]\.\d \(training range -?\d\.\d\.\.\d\.\d\)<br>x\d = /);
      // Text from the data is escaped.
      const hostile = write(
        'hostile-unlabelled.csv',
        '"<img src=x>",b\n' + Array.from({ length: 80 }, (_, i) => `${i % 9},${(i * 7) % 5}`).join('\n') + '\n',
      );
      const h = synthad(['detect', hostile, '--detector', 'iforest', '--report', 'hostile-report', '--quiet'], dir);
      assert.equal(h.code, 0, h.stderr);
      const page = fs.readFileSync(path.join(dir, 'hostile-report', 'report.html'), 'utf8');
      assert.ok(!page.includes('<img src=x>'));
      assert.match(page, /&lt;img src=x&gt;/);
    });

    it('detect --json with the Isolation Forest and --contamination; with --label it is semi-supervised', () => {
      const r = synthad(
        ['detect', planted(false), '--detector', 'iforest', '--contamination', '0.01', '--top', '3', '--json'],
        dir,
      );
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.detector, 'Isolation Forest');
      assert.equal(out.rows, 500);
      assert.equal(out.flagged, 5);
      assert.equal(out.top.length, 3);
      for (const row of out.top) {
        assert.ok(PLANTED_LINES.includes(String(row.line)), `line ${row.line}`);
        assert.equal(row.line, row.row + 2);
        assert.equal(row.flagged, true);
        assert.equal(row.explanation.length, 3);
        assert.equal(row.explanation[0].feature, 'x3');
        assert.equal(row.explanation[0].value, row.values.x3);
        assert.ok(row.explanation[0].value > 5);
      }
      const s = synthad(
        [
          'detect',
          planted(true),
          '--label',
          'label',
          '--normal',
          'normal',
          '--top',
          '2',
          '--json',
          '--detector',
          'vcsa',
          '--hidden',
          '8',
          '--epochs',
          '3',
          '--quiet',
        ],
        dir,
      );
      assert.equal(s.code, 0, s.stderr);
      const semi = JSON.parse(s.stdout);
      assert.equal(semi.top.length, 2);
      assert.deepEqual(Object.keys(semi.top[0].values), ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'label']);
      assert.ok(semi.top[0].explanation.every((e: { feature: string }) => e.feature !== 'label'));
    });

    it('refuses VC without labels, a bad --contamination, and --normal without --label, in one line', () => {
      const data = planted(false);
      const vc = synthad(['train', data, '--detector', 'vc', '--out', 'vc-model', '--quiet'], dir);
      assert.equal(vc.code, 1);
      assert.equal(vc.stderr, 'synthad: planted.csv: VC needs labelled anomalies (use method vcsa or iforest)\n');
      assert.ok(!fs.existsSync(path.join(dir, 'vc-model')));
      const c = synthad(['detect', data, '--contamination', '0.9', '--quiet'], dir);
      assert.equal(c.code, 1);
      assert.equal(c.stderr, 'synthad: --contamination must be a number in (0, 0.5], got 0.9\n');
      const n = synthad(['train', data, '--normal', 'normal', '--out', 'm'], dir);
      assert.equal(n.code, 2);
      assert.equal(
        n.stderr,
        "synthad: --normal needs --label COL (the column holding normal/anomaly labels)\nRun 'synthad help' for usage.\n",
      );
      const e = synthad(['evaluate', '--train', data, '--test', data], dir);
      assert.equal(e.code, 2);
      assert.match(e.stderr, /^synthad: --label COL is required/);
    });
  });

  it('evaluates a saved model trained without labels against the labels (evaluate --model)', () => {
    const t = synthad(
      [
        'train',
        THYROID_TRAIN,
        '--drop',
        'class',
        '--detector',
        'iforest',
        '--seed',
        '0',
        '--out',
        'unlabelled',
        '--quiet',
      ],
      dir,
    );
    assert.equal(t.code, 0, t.stderr);
    const e = synthad(
      ['evaluate', '--model', 'unlabelled', '--test', THYROID_TEST, '--label', 'class', '--normal', 'normal', '--json'],
      dir,
    );
    assert.equal(e.code, 0, e.stderr);
    const out = JSON.parse(e.stdout);
    // Measured: Isolation Forest seed 0 on every training row, label dropped: AUROC 0.5951 (README "No labels?").
    assert.ok(Math.abs(out.auroc - 0.5951) < 1e-3, `AUROC ${out.auroc}`);
    assert.deepEqual(
      out.perType.map((p: { type: string; known: boolean }) => [p.type, p.known]),
      [
        ['hyperfunction', false],
        ['subnormal', false],
      ],
    );
    const both = synthad(
      [
        'evaluate',
        '--model',
        'unlabelled',
        '--train',
        THYROID_TRAIN,
        '--test',
        THYROID_TEST,
        '--label',
        'class',
        '--normal',
        'normal',
      ],
      dir,
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^synthad: --model and --train exclude each other/);
  });

  it('rejects a bad detector option naming it as the command line does', () => {
    write('v.csv', 'a,b,class\n1,2,normal\n3,4,bad\n');
    const r = synthad(
      ['train', 'v.csv', '--label', 'class', '--normal', 'normal', '--val-split', '1.5', '--out', 'm'],
      dir,
    );
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'synthad: --val-split must be a number in [0, 1), got 1.5\n');
  });
});
