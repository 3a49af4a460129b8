/**
 * TensorFlow.js backend selection: tfjs-node (native libtensorflow) when it loads, else WASM (SIMD),
 * else the pure-JS CPU backend. `SYNTHAD_BACKEND` or an explicit choice forces one.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: ReadonlyArray<BackendName> = ['tensorflow', 'wasm', 'cpu'];

export interface BackendChoice {
  readonly backend: BackendName;
  /** Why the preferred backends were passed over, one line each. */
  readonly skipped: ReadonlyArray<string>;
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
    return Promise.reject(new BackendUnavailableError(`SYNTHAD_BACKEND must be one of auto, ${BACKEND_NAMES.join(', ')}; got '${want}'`));
  }
  if (chosen && chosenFor === want) return chosen;
  chosenFor = want;
  chosen = initialise(want as BackendName | 'auto');
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
  // PROD silences tfjs's console banners ("install tfjs-node"); the choice is reported instead.
  tf.env().set('PROD', true);
  const order: BackendName[] = want === 'auto' ? [...BACKEND_NAMES] : [want];
  const skipped: string[] = [];
  for (const name of order) {
    try {
      await tryBackend(name);
      return { backend: name, skipped };
    } catch (err) {
      const reason = `${name}: ${firstLine(err)}`;
      if (want !== 'auto') throw new BackendUnavailableError(`backend ${reason}`);
      skipped.push(reason);
    }
  }
  throw new BackendUnavailableError(`no TensorFlow.js backend could start (${skipped.join('; ')})`);
}

async function tryBackend(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // Optional dependency: its install downloads libtensorflow, so it is absent on offline machines.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
  } else if (name === 'wasm') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDirectory());
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error('tf.setBackend returned false');
  await tf.ready();
}

/** Folder holding tfjs-backend-wasm*.wasm: next to a bundled build, or in node_modules. */
export function wasmDirectory(): string {
  const candidates = [
    process.env.SYNTHAD_WASM_DIR,
    path.join(__dirname, 'wasm'),
    path.join(__dirname, '..', 'wasm'),
  ];
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
