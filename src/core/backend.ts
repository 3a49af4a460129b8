/**
 * Compute backend selection: the platform's BLAS through koffi (blasMlp.ts) when a library loads, else
 * TensorFlow.js on tfjs-node (native libtensorflow) when it is installed, else WASM (SIMD), else the
 * pure-JS CPU backend. `SYNTHAD_BACKEND` or an explicit choice forces one. `createNetwork` builds the
 * classifier on the chosen backend.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as TF from '@tensorflow/tfjs';
import { Blas, BlasNotFoundError, blasInstallHint, defaultThreads, describeBlas, loadBlas } from './blas';
import { BlasMlp } from './blasMlp';

/**
 * TensorFlow.js and its model, loaded on first use: training on blas never loads them, and a process
 * that only needs BLAS (a kernel's start, the CLI on blas) saves the 150 ms they take to load.
 */
function tfjs(): typeof TF {
  return require('@tensorflow/tfjs') as typeof TF;
}
function tfMlp(): typeof import('./mlp').TfMlp {
  return (require('./mlp') as typeof import('./mlp')).TfMlp;
}
import { initialWeights, MlpShape, MlpWeights, Network } from './network';
import type { Rng } from './rng';

export type BackendName = 'blas' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: ReadonlyArray<BackendName> = ['blas', 'tensorflow', 'wasm', 'cpu'];

export interface BackendChoice {
  readonly backend: BackendName;
  /** Why the preferred backends were passed over, one line each. */
  readonly skipped: ReadonlyArray<string>;
  /** The BLAS library, for backend 'blas'. */
  readonly blas?: Blas;
  /** How to get a BLAS, where 'auto' found none (show it once: see takeBackendHint). */
  readonly hint?: string;
}

let chosen: Promise<BackendChoice> | undefined;
let chosenFor: string | undefined;

/**
 * Initialises a backend once per process. `preference` 'auto' (default) tries tensorflow, wasm, cpu
 * in turn; a named backend is used or fails with an error. The environment variable SYNTHAD_BACKEND
 * overrides 'auto'.
 */
export function selectBackend(preference: BackendName | 'auto' = 'auto'): Promise<BackendChoice> {
  const env = process.env.SYNTHAD_BACKEND?.trim();
  const want = preference === 'auto' && env ? env : preference;
  if (want !== 'auto' && !BACKEND_NAMES.includes(want as BackendName)) {
    return Promise.reject(
      new BackendUnavailableError(`SYNTHAD_BACKEND must be one of auto, ${BACKEND_NAMES.join(', ')}; got '${want}'`),
    );
  }
  const key = `${want}|${process.env.SYNTHAD_BLAS ?? ''}`;
  if (chosen && chosenFor === key) return chosen;
  chosenFor = key;
  chosen = initialise(want as BackendName | 'auto');
  chosen.then(
    (c) => {
      lastChoice = c;
    },
    () => undefined,
  );
  return chosen;
}

/** A forced backend that cannot start, or none at all: a setup problem, reported in one line. */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

async function initialise(want: BackendName | 'auto'): Promise<BackendChoice> {
  const order: BackendName[] = want === 'auto' ? [...BACKEND_NAMES] : [want];
  const skipped: string[] = [];
  let hint: string | undefined;
  for (const name of order) {
    try {
      if (name === 'blas') return { backend: name, skipped, blas: loadBlas() };
      await tryBackend(name);
      return { backend: name, skipped, ...(hint ? { hint } : {}) };
    } catch (err) {
      if (err instanceof BlasNotFoundError)
        hint = `no BLAS library found, so training runs slower: ${blasInstallHint()}`;
      const reason = `${name}: ${firstLine(err)}`;
      if (want !== 'auto') throw new BackendUnavailableError(`backend ${reason}`);
      skipped.push(reason);
    }
  }
  throw new BackendUnavailableError(`no compute backend could start (${skipped.join('; ')})`);
}

async function tryBackend(name: BackendName): Promise<void> {
  const tf = tfjs();
  // PROD silences tfjs's console banners ("install tfjs-node"); the choice is reported instead.
  tf.env().set('PROD', true);
  if (name === 'tensorflow') {
    // Optional dependency: its install downloads libtensorflow, so it is absent on offline machines.
    require('@tensorflow/tfjs-node');
  } else if (name === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDirectory());
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error('tf.setBackend returned false');
  await tf.ready();
}

/** Folder holding tfjs-backend-wasm*.wasm: next to a bundled build, or in node_modules. */
export function wasmDirectory(): string {
  const candidates = [process.env.SYNTHAD_WASM_DIR, path.join(__dirname, 'wasm'), path.join(__dirname, '..', 'wasm')];
  for (const dir of candidates) {
    if (dir && fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))) return dir + path.sep;
  }
  // Unbundled (compiled sources, tests): the binaries in node_modules. Built from parts so a bundler leaves it alone.
  const binary = ['@tensorflow', 'tfjs-backend-wasm', 'dist', 'tfjs-backend-wasm-simd.wasm'].join('/');
  return path.dirname(require.resolve(binary)) + path.sep;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}

let hintShown = false;
let lastChoice: BackendChoice | undefined;

/** takeBackendHint for the backend chosen last in this process. */
export function lastBackendHint(): string | undefined {
  return lastChoice ? takeBackendHint(lastChoice) : undefined;
}

/** The choice's install hint the first time this process asks, undefined after (and where there is none). */
export function takeBackendHint(choice: BackendChoice): string | undefined {
  if (!choice.hint || hintShown) return undefined;
  hintShown = true;
  return choice.hint;
}

/** Threads to use: `threads` if positive, else every core. */
export function resolveThreads(threads: number | undefined): number {
  return threads !== undefined && threads > 0 ? Math.floor(threads) : defaultThreads();
}

/**
 * One line naming the backend, its library and threads, for summaries:
 * `blas: libopenblas.so.0 (OpenBLAS 0.3.21 SkylakeX), 2 threads`, `wasm (SIMD), 2 worker threads`.
 */
export function describeBackend(choice: BackendChoice, threads: number): string {
  const parallel = dataParallelWorkers(choice.backend, threads);
  const what = choice.blas ? `blas: ${describeBlas(choice.blas)}` : choice.backend;
  return `${what}, ${parallel > 1 ? `${parallel} worker threads` : '1 thread'}`;
}

/**
 * Worker threads the data-parallel trainer (parallel.ts) uses (1: train on this thread). tfjs-node
 * threads inside its own library.
 */
export function dataParallelWorkers(backend: BackendName, threads: number): number {
  return backend === 'tensorflow' ? 1 : Math.max(1, threads);
}

/** The classifier on the chosen backend, from a seeded initialisation or saved weights. */
export function createNetwork(
  choice: BackendChoice,
  shape: MlpShape,
  init: Rng | MlpWeights,
  threads: number,
): Network {
  const weights = 'next' in init ? initialWeights(shape, init) : init;
  if (choice.backend === 'blas') {
    if (!choice.blas) throw new BackendUnavailableError('backend blas chosen without a BLAS library');
    return new BlasMlp(choice.blas, shape, weights, { workers: dataParallelWorkers(choice.backend, threads) });
  }
  const TfMlp = tfMlp();
  return new TfMlp(shape, weights, { workers: dataParallelWorkers(choice.backend, threads), backend: choice.backend });
}
