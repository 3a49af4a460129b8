/**
 * The element-wise parts of the MLP in WebAssembly SIMD (4 floats per instruction): LeakyReLU/ReLU and
 * its gradient, and the AdamW update. Next to BLAS's matrix products these loops are what is left of a
 * training step; in plain JavaScript they took as long as the products themselves (branch mispredictions
 * on random signs, no vector instructions).
 *
 * The module is small enough to write as bytes: `kernelModule()` assembles it. Arrays live in a
 * `Workspace`, a WebAssembly.Memory of fixed size carved into 16-byte aligned Float32Arrays; the same
 * arrays go to cblas_sgemm through koffi as ordinary typed arrays. Each kernel runs on the first
 * multiple of 4 elements; the few left over are done in JavaScript with the same formula.
 */
import type { AdamWOptions } from './network';

// Opcodes (WebAssembly core and SIMD proposals).
const BLOCK = 0x02,
  LOOP = 0x03,
  BR_IF = 0x0d,
  END = 0x0b,
  VOID = 0x40;
const LOCAL_GET = 0x20,
  LOCAL_SET = 0x21,
  LOCAL_TEE = 0x22;
const I32_CONST = 0x41,
  F32_CONST = 0x43,
  I32_ADD = 0x6a,
  I32_LT_U = 0x49,
  I32_GE_U = 0x4f;
const I32 = 0x7f,
  F32 = 0x7d,
  V128 = 0x7b;
const SIMD = 0xfd;
/** SIMD opcodes, LEB128-encoded after the 0xfd prefix. */
const V128_LOAD = [0x00],
  V128_STORE = [0x0b],
  F32X4_SPLAT = [0x13],
  F32X4_GT = [0x44],
  V128_BITSELECT = [0x52];
const F32X4_SQRT = [0xe3, 0x01],
  F32X4_ADD = [0xe4, 0x01],
  F32X4_SUB = [0xe5, 0x01],
  F32X4_MUL = [0xe6, 0x01],
  F32X4_DIV = [0xe7, 0x01];
/** memarg: alignment 2^4 = 16 bytes, offset 0. */
const MEMARG = [0x04, 0x00];

const simd = (op: number[], ...imm: number[]): number[] => [SIMD, ...op, ...imm];
const get = (i: number): number[] => [LOCAL_GET, i];
const set = (i: number): number[] => [LOCAL_SET, i];
const tee = (i: number): number[] => [LOCAL_TEE, i];
const load = (ptr: number): number[] => [...get(ptr), ...simd(V128_LOAD, ...MEMARG)];
const splat = (f32Local: number): number[] => [...get(f32Local), ...simd(F32X4_SPLAT)];
const zero = (): number[] => [F32_CONST, 0, 0, 0, 0, ...simd(F32X4_SPLAT)];
const advance = (ptr: number): number[] => [...get(ptr), I32_CONST, 16, I32_ADD, ...set(ptr)];

/** `block; if ptr >= end skip; loop { body; ptr < end: again } end` with `body` advancing the pointers. */
function loopUntil(ptr: number, end: number, body: number[]): number[] {
  return [
    BLOCK,
    VOID,
    ...get(ptr),
    ...get(end),
    I32_GE_U,
    BR_IF,
    0,
    LOOP,
    VOID,
    ...body,
    ...get(ptr),
    ...get(end),
    I32_LT_U,
    BR_IF,
    0,
    END,
    END,
  ];
}

function unsignedLeb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const vec = (items: number[][]): number[] => [...unsignedLeb(items.length), ...items.flat()];
const section = (id: number, content: number[]): number[] => [id, ...unsignedLeb(content.length), ...content];
const name = (s: string): number[] => [...unsignedLeb(s.length), ...Array.from(Buffer.from(s, 'utf8'))];
const funcType = (params: number[]): number[] => [0x60, ...vec(params.map((p) => [p])), 0x00];
/** A function body: locals as (count, type) runs, then code. */
const body = (locals: Array<[number, number]>, code: number[]): number[] => {
  const content = [...vec(locals.map(([n, t]) => [...unsignedLeb(n), t])), ...code, END];
  return [...unsignedLeb(content.length), ...content];
};

/**
 * leaky(ptr, end, slope): x = x > 0 ? x : slope x on [ptr, end) (slope 0: ReLU).
 * leakyGrad(g, out, end, slope): g = out > 0 ? g : slope g, g over [g, end), out alongside.
 * adamw(p, g, m, v, end, b1, b2, 1-b1, 1-b2, 1 - lr wd, 1/sqrt(1-b2^t), eps, lr/(1-b1^t)): AdamW in place.
 * add(y, x, end): y += x.
 * Pointers are byte offsets into the imported memory.
 */
export function kernelModule(shared = false): Uint8Array<ArrayBuffer> {
  // leaky: params p0 ptr, p1 end, p2 slope; locals 3 x, 4 slope4, 5 zero4.
  const leaky = body(
    [[3, V128]],
    [
      ...splat(2),
      ...set(4),
      ...zero(),
      ...set(5),
      ...loopUntil(0, 1, [
        ...get(0),
        ...load(0),
        ...tee(3),
        ...get(3),
        ...get(4),
        ...simd(F32X4_MUL),
        ...get(3),
        ...get(5),
        ...simd(F32X4_GT),
        ...simd(V128_BITSELECT),
        ...simd(V128_STORE, ...MEMARG),
        ...advance(0),
      ]),
    ],
  );
  // leakyGrad: p0 g, p1 out, p2 end, p3 slope; locals 4 gv, 5 slope4, 6 zero4.
  const leakyGrad = body(
    [[3, V128]],
    [
      ...splat(3),
      ...set(5),
      ...zero(),
      ...set(6),
      ...loopUntil(0, 2, [
        ...get(0),
        ...load(0),
        ...tee(4),
        ...get(4),
        ...get(5),
        ...simd(F32X4_MUL),
        ...load(1),
        ...get(6),
        ...simd(F32X4_GT),
        ...simd(V128_BITSELECT),
        ...simd(V128_STORE, ...MEMARG),
        ...advance(0),
        ...advance(1),
      ]),
    ],
  );
  // adamw: p0 p, p1 g, p2 m, p3 v, p4 end, p5..p12 scalars; locals 13..20 splats, 21 g4, 22 m4, 23 v4.
  const scalars = [5, 6, 7, 8, 9, 10, 11, 12];
  const [B1, B2, A1, A2, DECAY, INV, EPS, STEP] = scalars.map((s) => s + 8);
  const G = 21,
    M = 22,
    V = 23;
  const adamw = body(
    [[11, V128]],
    [
      ...scalars.flatMap((s) => [...splat(s), ...set(s + 8)]),
      ...loopUntil(0, 4, [
        ...load(1),
        ...set(G),
        // m = b1 m + (1 - b1) g
        ...get(2),
        ...get(B1),
        ...load(2),
        ...simd(F32X4_MUL),
        ...get(A1),
        ...get(G),
        ...simd(F32X4_MUL),
        ...simd(F32X4_ADD),
        ...tee(M),
        ...simd(V128_STORE, ...MEMARG),
        // v = b2 v + (1 - b2) g g
        ...get(3),
        ...get(B2),
        ...load(3),
        ...simd(F32X4_MUL),
        ...get(A2),
        ...get(G),
        ...simd(F32X4_MUL),
        ...get(G),
        ...simd(F32X4_MUL),
        ...simd(F32X4_ADD),
        ...tee(V),
        ...simd(V128_STORE, ...MEMARG),
        // p = p (1 - lr wd) - step m / (sqrt(v) / sqrt(1 - b2^t) + eps)
        ...get(0),
        ...load(0),
        ...get(DECAY),
        ...simd(F32X4_MUL),
        ...get(M),
        ...get(V),
        ...simd(F32X4_SQRT),
        ...get(INV),
        ...simd(F32X4_MUL),
        ...get(EPS),
        ...simd(F32X4_ADD),
        ...simd(F32X4_DIV),
        ...get(STEP),
        ...simd(F32X4_MUL),
        ...simd(F32X4_SUB),
        ...simd(V128_STORE, ...MEMARG),
        ...advance(0),
        ...advance(1),
        ...advance(2),
        ...advance(3),
      ]),
    ],
  );
  // add: p0 y, p1 x, p2 end; y += x.
  const add = body(
    [],
    [
      ...loopUntil(0, 2, [
        ...get(0),
        ...load(0),
        ...load(1),
        ...simd(F32X4_ADD),
        ...simd(V128_STORE, ...MEMARG),
        ...advance(0),
        ...advance(1),
      ]),
    ],
  );
  // The memory import: plain (min 1 page), or shared (min 1, max 65536 pages) for worker threads.
  const memoryLimits = shared ? [0x03, 0x01, ...unsignedLeb(65536)] : [0x00, 0x01];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(
      1,
      vec([
        funcType([I32, I32, F32]),
        funcType([I32, I32, I32, F32]),
        funcType([I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32]),
        funcType([I32, I32, I32]),
      ]),
    ),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...memoryLimits]])),
    ...section(3, vec([[0], [1], [2], [3]])),
    ...section(
      7,
      vec([
        [...name('leaky'), 0x00, 0],
        [...name('leakyGrad'), 0x00, 1],
        [...name('adamw'), 0x00, 2],
        [...name('add'), 0x00, 3],
      ]),
    ),
    ...section(10, vec([leaky, leakyGrad, adamw, add])),
  ];
  return new Uint8Array(bytes);
}

const compiled = new Map<boolean, WebAssembly.Module | null>();

/** The compiled kernels for a plain or a shared memory, or null where this runtime has no WebAssembly SIMD. */
function kernels(shared: boolean): WebAssembly.Module | null {
  if (!compiled.has(shared)) {
    const bytes = kernelModule(shared);
    compiled.set(shared, WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null);
  }
  return compiled.get(shared)!;
}

interface KernelExports {
  leaky(ptr: number, end: number, slope: number): void;
  leakyGrad(g: number, out: number, end: number, slope: number): void;
  adamw(
    p: number,
    g: number,
    m: number,
    v: number,
    end: number,
    b1: number,
    b2: number,
    a1: number,
    a2: number,
    decay: number,
    inv: number,
    eps: number,
    step: number,
  ): void;
  add(y: number, x: number, end: number): void;
}

const PAGE = 65536;

/**
 * A fixed-size WebAssembly memory handing out 16-byte aligned Float32Arrays, with the kernels bound to
 * it. Arrays from another workspace (or plain ones) take the JavaScript path. A shared workspace's
 * arrays are views of a SharedArrayBuffer that worker threads can read and write.
 */
export class Workspace {
  private readonly memory: WebAssembly.Memory;
  private readonly exports: KernelExports | undefined;
  private used = 0;

  constructor(
    readonly floats: number,
    readonly shared = false,
  ) {
    const bytes = Math.ceil(floats / 4) * 16 + 64 * 16;
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    this.memory = new WebAssembly.Memory(
      shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages },
    );
    const module = kernels(shared);
    this.exports = module
      ? (new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as KernelExports)
      : undefined;
  }

  /** Whether the SIMD kernels run (false: plain JavaScript loops). */
  get simd(): boolean {
    return this.exports !== undefined;
  }

  /** A zeroed array of `length` floats in this workspace. */
  alloc(length: number): Float32Array {
    const offset = this.used;
    const bytes = Math.ceil(length / 4) * 16;
    if (offset + bytes > this.memory.buffer.byteLength)
      throw new RangeError(`workspace of ${this.floats} floats is full`);
    this.used += bytes;
    return new Float32Array(this.memory.buffer, offset, length);
  }

  /** In place on y[0, len): y += x. */
  add(y: Float32Array, x: Float32Array, len: number): void {
    let done = 0;
    if (this.exports && this.owns(y) && this.owns(x)) {
      done = len & ~3;
      this.exports.add(y.byteOffset, x.byteOffset, y.byteOffset + done * 4);
    }
    for (let i = done; i < len; i++) y[i] += x[i];
  }

  /** One AdamW step (`t` counts from 1) of every array in `params` with its gradient and moments. */
  adamwStep(
    params: ReadonlyArray<Float32Array>,
    grads: ReadonlyArray<Float32Array>,
    m: ReadonlyArray<Float32Array>,
    v: ReadonlyArray<Float32Array>,
    opts: AdamWOptions,
    t: number,
  ): void {
    const { learningRate: lr, weightDecay: wd } = opts;
    const b1 = opts.beta1 ?? 0.9,
      b2 = opts.beta2 ?? 0.999,
      eps = opts.epsilon ?? 1e-8;
    const stepSize = lr / (1 - Math.pow(b1, t));
    const invSqrtC2 = 1 / Math.sqrt(1 - Math.pow(b2, t));
    params.forEach((p, k) => this.adamw(p, grads[k], m[k], v[k], b1, b2, 1 - lr * wd, invSqrtC2, eps, stepSize));
  }

  private owns(a: Float32Array): boolean {
    return a.buffer === this.memory.buffer;
  }

  /** In place on a[0, len): a > 0 ? a : slope a. */
  leaky(a: Float32Array, len: number, slope: number): void {
    let done = 0;
    if (this.exports && this.owns(a)) {
      done = len & ~3;
      this.exports.leaky(a.byteOffset, a.byteOffset + done * 4, slope);
    }
    for (let i = done; i < len; i++) {
      const v = a[i];
      if (!(v > 0)) a[i] = v * slope;
    }
  }

  /** In place on g[0, len): out > 0 ? g : slope g. */
  leakyGrad(g: Float32Array, out: Float32Array, len: number, slope: number): void {
    let done = 0;
    if (this.exports && this.owns(g) && this.owns(out)) {
      done = len & ~3;
      this.exports.leakyGrad(g.byteOffset, out.byteOffset, g.byteOffset + done * 4, slope);
    }
    for (let i = done; i < len; i++) if (!(out[i] > 0)) g[i] *= slope;
  }

  /**
   * One AdamW update of p from g with moments m, v: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
   * p = p decay - step m / (sqrt(v) inv + eps).
   */
  adamw(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    b1: number,
    b2: number,
    decay: number,
    inv: number,
    eps: number,
    step: number,
  ): void {
    const len = p.length;
    let done = 0;
    if (this.exports && [p, g, m, v].every((a) => this.owns(a))) {
      done = len & ~3;
      this.exports.adamw(
        p.byteOffset,
        g.byteOffset,
        m.byteOffset,
        v.byteOffset,
        p.byteOffset + done * 4,
        b1,
        b2,
        1 - b1,
        1 - b2,
        decay,
        inv,
        eps,
        step,
      );
    }
    const a1 = 1 - b1,
      a2 = 1 - b2;
    for (let i = done; i < len; i++) {
      const gi = g[i];
      const mi = b1 * m[i] + a1 * gi;
      const vi = b2 * v[i] + a2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] * decay - (mi / (Math.sqrt(vi) * inv + eps)) * step;
    }
  }
}
