import { strict as assert } from 'assert';
import { kernelModule, Workspace } from '../../src/core/simd';
import { createRng } from '../../src/core/rng';

// The WebAssembly SIMD kernels against the same formulas in plain JavaScript (float32 rounding apart).

function close(a: ArrayLike<number>, b: ArrayLike<number>, rel = 1e-6): string | undefined {
  for (let i = 0; i < b.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= rel * Math.max(1e-30, Math.abs(b[i])))) return `[${i}]: ${a[i]} vs ${b[i]}`;
  }
  return undefined;
}

describe('simd kernels', () => {
  const rng = createRng(7);
  const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);

  it('assemble into a valid WebAssembly module with SIMD', () => {
    assert.ok(WebAssembly.validate(kernelModule()));
    assert.ok(new Workspace(16).simd);
  });

  for (const slope of [0.01, 0]) {
    it(`apply ${slope ? 'LeakyReLU' : 'ReLU'} and its gradient, tail included (1003 values)`, () => {
      const ws = new Workspace(4096);
      const n = 1003;
      const base = random(n);
      const a = ws.alloc(n);
      a.set(base);
      ws.leaky(a, n, slope);
      const want = base.map((v) => (v > 0 ? v : Math.fround(v * Math.fround(slope))));
      assert.equal(close(a, want), undefined);
      assert.equal(a.filter((v) => v < 0).length, slope ? base.filter((v) => v < 0).length : 0);
      const g = ws.alloc(n);
      const gBase = random(n);
      g.set(gBase);
      ws.leakyGrad(g, a, n, slope);
      assert.equal(
        close(
          g,
          gBase.map((v, i) => (a[i] > 0 ? v : v * slope)),
        ),
        undefined,
      );
    });
  }

  it('apply AdamW as the JavaScript formula, on workspace arrays and on plain ones', () => {
    const ws = new Workspace(5000);
    const n = 1001;
    const g0 = random(n),
      p0 = random(n);
    const [p, g, m, v] = [ws.alloc(n), ws.alloc(n), ws.alloc(n), ws.alloc(n)];
    p.set(p0);
    g.set(g0);
    const plain = { p: Float32Array.from(p0), m: new Float32Array(n), v: new Float32Array(n) };
    for (let t = 1; t <= 3; t++) {
      const args = [0.9, 0.999, 1 - 1e-3 * 1e-2, 1 / Math.sqrt(1 - 0.999 ** t), 1e-8, 1e-3 / (1 - 0.9 ** t)] as const;
      ws.adamw(p, g, m, v, ...args);
      ws.adamw(plain.p, g0, plain.m, plain.v, ...args); // not in the workspace: the JavaScript loop
    }
    assert.equal(close(m, plain.m, 1e-5), undefined);
    assert.equal(close(v, plain.v, 1e-5), undefined);
    assert.equal(close(p, plain.p, 1e-5), undefined);
    assert.notEqual(close(p, p0, 1e-5), undefined, 'the steps moved the weights');
  });

  it('refuses to hand out more than it holds', () => {
    const ws = new Workspace(8);
    ws.alloc(8);
    assert.throws(() => ws.alloc(64 * 1024), /workspace of 8 floats is full/);
  });
});
