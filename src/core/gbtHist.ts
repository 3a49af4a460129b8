/**
 * Histogram building for the boosted-tree trainer (gbt.ts) in WebAssembly SIMD, on this thread and on worker
 * threads (gbtWorker.ts) that share its memory.
 *
 * A histogram holds, per slot (a feature's bin), the sums of g and h as one f64x2; a row's (g, h) is one f64x2
 * too, so adding a row to a bin is one load, one add and one store (the JavaScript loop did each twice, with
 * bounds checks). The sums are exactly those of the JavaScript loop: f64 additions of the float32 gradients,
 * row after row in index order, per bin; so the trees are the same whichever kernel or how many threads build
 * them.
 *
 * Threads split a histogram by features (contiguous ranges, about equally many each): thread i adds the
 * node's rows to the bins of its features only. The main thread posts the node (its rows and its histogram) in
 * a small shared control array, wakes the workers with Atomics.notify, builds its own range, then waits on
 * Atomics.wait until every worker has counted itself done. Measured on a loaded 2-core machine: a round trip
 * of an empty node costs 14-18 us this way, a postMessage round trip 29-49 us (and would make growing a tree
 * asynchronous); nodes of fewer than PARALLEL_MIN_VALUES row values (about 200 us of adding) are built on the
 * main thread alone.
 */

// Opcodes (WebAssembly core and SIMD).
const BLOCK = 0x02,
  LOOP = 0x03,
  BR_IF = 0x0d,
  END = 0x0b,
  VOID = 0x40;
const LOCAL_GET = 0x20,
  LOCAL_SET = 0x21,
  LOCAL_TEE = 0x22;
const I32_LOAD = 0x28,
  I32_LOAD16_U = 0x2f;
const I32_CONST = 0x41,
  I32_LT_U = 0x49,
  I32_GE_U = 0x4f,
  I32_ADD = 0x6a,
  I32_SUB = 0x6b,
  I32_MUL = 0x6c,
  I32_AND = 0x71,
  I32_SHL = 0x74;
const I32 = 0x7f,
  V128 = 0x7b;
const SIMD = 0xfd;
const V128_LOAD = [0x00],
  V128_STORE = [0x0b],
  F64X2_ADD = [0xf0, 0x01],
  F64X2_SUB = [0xf1, 0x01];

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

function signedLeb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...unsignedLeb(items.length), ...items.flat()];
const section = (id: number, content: number[]): number[] => [id, ...unsignedLeb(content.length), ...content];
const name = (s: string): number[] => [...unsignedLeb(s.length), ...Array.from(Buffer.from(s, 'utf8'))];
const get = (i: number): number[] => [LOCAL_GET, i];
const set = (i: number): number[] => [LOCAL_SET, i];
const tee = (i: number): number[] => [LOCAL_TEE, i];
const i32 = (n: number): number[] => [I32_CONST, ...signedLeb(n)];
const simd = (op: number[], ...imm: number[]): number[] => [SIMD, ...op, ...imm];
/** v128 memarg: alignment 2^4, offset 0. */
const V128_MEM = [0x04, 0x00];

/** `block; if a >= b skip; loop { body; a < b: again } end`. */
function loopWhileBelow(a: number, b: number, body: number[]): number[] {
  return [
    BLOCK,
    VOID,
    ...get(a),
    ...get(b),
    I32_GE_U,
    BR_IF,
    0,
    LOOP,
    VOID,
    ...body,
    ...get(a),
    ...get(b),
    I32_LT_U,
    BR_IF,
    0,
    END,
    END,
  ];
}

/**
 * The module, for slots of `slotBytes` (2: uint16, 4: uint32) bytes, over an imported memory (shared or not):
 *
 * build(hist, slots, stride, lo, hi, gh, j0, j1): for each row r = index[lo..hi) (byte pointers to uint32 rows,
 *   step 4), hist[slot] += gh[r] (f64x2 at gh + 16 r) for each slot of the row's bytes [j0, j1) (the row's slots
 *   start at slots + r stride).
 * sub(a, b, end): a -= b, f64x2 by f64x2, over [a, end).
 */
export function histModule(slotBytes: 2 | 4, shared: boolean): Uint8Array<ArrayBuffer> {
  const loadSlot = slotBytes === 2 ? I32_LOAD16_U : I32_LOAD;
  const align = slotBytes === 2 ? 0x01 : 0x02;
  // build params: 0 hist, 1 slots, 2 stride, 3 lo, 4 hi, 5 gh, 6 j0, 7 j1.
  // locals: 8 row, 9 end4, 10 end (i32); 11 g (v128).
  const [HIST, SLOTS, STRIDE, LO, HI, GH, J0, J1] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [ROW, END4, ENDR, G] = [8, 9, 10, 11];
  const add = (offset: number): number[] => [
    // a = hist + (slot << 4); v128.store(a, f64x2.add(v128.load(a), g))
    ...get(HIST),
    ...get(ROW),
    loadSlot,
    align,
    ...unsignedLeb(offset),
    ...i32(4),
    I32_SHL,
    I32_ADD,
    ...tee(12),
    ...get(12),
    ...simd(V128_LOAD, ...V128_MEM),
    ...get(G),
    ...simd(F64X2_ADD),
    ...simd(V128_STORE, ...V128_MEM),
  ];
  const rowBody = [
    // r = index[lo]; g = gh[r]; row = slots + r stride + j0
    ...get(LO),
    I32_LOAD,
    0x02,
    0x00,
    ...tee(ROW),
    ...i32(4),
    I32_SHL,
    ...get(GH),
    I32_ADD,
    ...simd(V128_LOAD, ...V128_MEM),
    ...set(G),
    ...get(ROW),
    ...get(STRIDE),
    I32_MUL,
    ...get(SLOTS),
    I32_ADD,
    ...get(J0),
    I32_ADD,
    ...tee(ROW),
    ...get(J1),
    ...get(J0),
    I32_SUB,
    I32_ADD,
    ...set(ENDR),
    ...get(ROW),
    ...get(J1),
    ...get(J0),
    I32_SUB,
    ...i32(-4 * slotBytes),
    I32_AND,
    I32_ADD,
    ...set(END4),
    ...loopWhileBelow(ROW, END4, [
      ...add(0),
      ...add(slotBytes),
      ...add(2 * slotBytes),
      ...add(3 * slotBytes),
      ...get(ROW),
      ...i32(4 * slotBytes),
      I32_ADD,
      ...set(ROW),
    ]),
    ...loopWhileBelow(ROW, ENDR, [...add(0), ...get(ROW), ...i32(slotBytes), I32_ADD, ...set(ROW)]),
    ...get(LO),
    ...i32(4),
    I32_ADD,
    ...set(LO),
  ];
  const build = [
    ...vec([
      [...unsignedLeb(3), I32],
      [1, V128],
      [1, I32],
    ]),
    ...loopWhileBelow(LO, HI, rowBody),
    END,
  ];
  // sub params: 0 a, 1 b, 2 end.
  const sub = [
    ...vec([]),
    ...loopWhileBelow(0, 2, [
      ...get(0),
      ...get(0),
      ...simd(V128_LOAD, ...V128_MEM),
      ...get(1),
      ...simd(V128_LOAD, ...V128_MEM),
      ...simd(F64X2_SUB),
      ...simd(V128_STORE, ...V128_MEM),
      ...get(0),
      ...i32(16),
      I32_ADD,
      ...set(0),
      ...get(1),
      ...i32(16),
      I32_ADD,
      ...set(1),
    ]),
    END,
  ];
  const memoryLimits = shared ? [0x03, 0x00, ...unsignedLeb(65536)] : [0x00, 0x00];
  return new Uint8Array([
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
        [0x60, ...vec(Array.from({ length: 8 }, () => [I32])), 0x00],
        [0x60, ...vec([[I32], [I32], [I32]]), 0x00],
      ]),
    ),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...memoryLimits]])),
    ...section(3, vec([[0], [1]])),
    ...section(
      7,
      vec([
        [...name('build'), 0x00, 0],
        [...name('sub'), 0x00, 1],
      ]),
    ),
    ...section(
      10,
      vec([
        [...unsignedLeb(build.length), ...build],
        [...unsignedLeb(sub.length), ...sub],
      ]),
    ),
  ]);
}

export interface HistKernels {
  build(hist: number, slots: number, stride: number, lo: number, hi: number, gh: number, j0: number, j1: number): void;
  sub(a: number, b: number, end: number): void;
}

const modules = new Map<string, WebAssembly.Module | null>();

/** The compiled module, or null where this runtime has no WebAssembly SIMD. */
export function histKernelModule(slotBytes: 2 | 4, shared: boolean): WebAssembly.Module | null {
  const key = `${slotBytes}:${shared}`;
  if (!modules.has(key)) {
    let module: WebAssembly.Module | null = null;
    try {
      const bytes = histModule(slotBytes, shared);
      module = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      module = null;
    }
    modules.set(key, module);
  }
  return modules.get(key)!;
}

export function histKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): HistKernels {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as HistKernels;
}

/** Nodes with fewer row values (rows x features) are built on the main thread alone. */
export const PARALLEL_MIN_VALUES = 200_000;

/** Fields of the shared control array (Int32Array). */
export const CTRL = {
  /** Bumped by the main thread for each node: workers wait on it. */
  GEN: 0,
  /** Workers done with the current node: the main thread waits on it. */
  DONE: 1,
  /** 1: workers exit. */
  STOP: 2,
  /** 1: a worker failed (its message is in the worker's error event). */
  FAILED: 3,
  /** The node: byte pointers to its first and past its last index, and to its histogram. */
  LO: 4,
  HI: 5,
  HIST: 6,
  LENGTH: 8,
} as const;

/** What a histogram worker starts with (its workerData). */
export interface HistWorkerInit {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly control: SharedArrayBuffer;
  readonly slots: number;
  readonly stride: number;
  readonly gh: number;
  readonly slotBytes: number;
  /** This worker's features: bytes [j0, j1) of a row's slots, and bytes [h0, h1) of a histogram. */
  readonly j0: number;
  readonly j1: number;
  readonly h0: number;
  readonly h1: number;
}

/**
 * A worker's life: build its features' part of each node's histogram until told to stop. Blocks its thread
 * (Atomics.wait) between nodes.
 */
export function histWorkerLoop(init: HistWorkerInit): void {
  const k = histKernels(init.module, init.memory);
  const ctrl = new Int32Array(init.control);
  const bytes = new Uint8Array(init.memory.buffer);
  let gen = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL.GEN, gen);
    gen = Atomics.load(ctrl, CTRL.GEN);
    if (Atomics.load(ctrl, CTRL.STOP) === 1) return;
    try {
      const hist = ctrl[CTRL.HIST];
      bytes.fill(0, hist + init.h0, hist + init.h1);
      k.build(hist, init.slots, init.stride, ctrl[CTRL.LO], ctrl[CTRL.HI], init.gh, init.j0, init.j1);
    } catch (err) {
      Atomics.store(ctrl, CTRL.FAILED, 1);
      throw err;
    } finally {
      Atomics.add(ctrl, CTRL.DONE, 1);
      Atomics.notify(ctrl, CTRL.DONE);
    }
  }
}
