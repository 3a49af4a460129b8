/**
 * Messages between the kernel's host (the extension host, or any Node process: src/extension/kernelSession.ts)
 * and the kernel process (src/kernel/main.ts), over its IPC channel. Plain cloneable objects; `id` ties a
 * message to the execution that caused it. Also the MIME table the kernel's outputs and the notebook renderer
 * share. No imports: the renderer's browser bundle takes it.
 */

/** Output data by MIME type, as Jupyter's display data: text types are strings, JSON types are objects. */
export type MimeBundle = Record<string, unknown>;

/** Settings the host passes to a new kernel (the environment variable SYNTHAD_KERNEL_CONFIG). */
export interface KernelConfig {
  /** Folder relative paths in cells resolve against (the notebook's folder). */
  readonly cwd: string;
  /** Folder with the bundled sample datasets (`samples/...` falls back to it). */
  readonly samplesDir?: string;
  /** Defaults for `new Detector()` in cells (from the settings). */
  readonly detectorDefaults?: {
    readonly seed?: number;
    readonly epochs?: number;
    readonly syntheticRatio?: number;
    readonly backend?: 'auto' | 'blas' | 'tensorflow' | 'wasm' | 'cpu';
    /** 0 = every core. */
    readonly threads?: number;
  };
}

export type HostToKernel =
  | {
      readonly type: 'execute';
      readonly id: number;
      readonly code: string;
      readonly language: 'typescript' | 'javascript';
      readonly cellName: string;
    }
  | { readonly type: 'interrupt'; readonly id: number }
  | { readonly type: 'variables'; readonly id: number }
  /** Which compute backend training in this kernel uses (Show Compute Backend). */
  | { readonly type: 'backend'; readonly id: number };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** A variable in the kernel's global scope, for commands that pick one (datasets, detectors, reports). */
export interface VariableInfo {
  readonly name: string;
  readonly kind: 'dataset' | 'detector' | 'report' | 'other';
  /** Label column and values for datasets, fitted state for detectors, detector name for reports. */
  readonly detail: string;
  readonly labelColumn?: string;
  readonly labelValues?: ReadonlyArray<string>;
  readonly normalValues?: ReadonlyArray<string>;
  readonly fitted?: boolean;
}

/** The compute backend the kernel trains on, as the kernel's selectBackend and describeBackend give it. */
export interface BackendInfo {
  readonly backend: 'blas' | 'tensorflow' | 'wasm' | 'cpu';
  /** Backend, library and threads, e.g. `blas: libopenblas.so.0 (OpenBLAS 0.3.21 SkylakeX), 2 worker threads`. */
  readonly detail: string;
  /** Why preferred backends were passed over, one line each. */
  readonly skipped: ReadonlyArray<string>;
  /** How to get a faster backend, where 'auto' found no BLAS. */
  readonly hint?: string;
}

/** Training progress the kernel streams while `Detector.fit` runs in a cell. */
export interface TrainingProgress {
  readonly epoch: number;
  readonly maxEpochs: number;
  readonly loss: number;
  readonly valLoss: number;
  readonly rowsPerSecond: number;
  readonly seconds: number;
  readonly etaSeconds: number;
  /** What `epoch` counts: 'epoch' (the MLP) or 'round' (boosted trees). */
  readonly unit: 'epoch' | 'round';
  /** The ensemble member training, if an ensemble trains. */
  readonly member?: string;
}

export type KernelToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'stream'; readonly id: number; readonly name: 'stdout' | 'stderr'; readonly text: string }
  | {
      readonly type: 'display';
      readonly id: number;
      readonly bundle: MimeBundle;
      readonly displayId?: string;
      readonly update?: boolean;
      readonly result?: boolean;
    }
  | { readonly type: 'progress'; readonly id: number; readonly progress: TrainingProgress }
  | { readonly type: 'done'; readonly id: number; readonly ok: boolean; readonly error?: SerializedError }
  | { readonly type: 'variables'; readonly id: number; readonly variables: ReadonlyArray<VariableInfo> }
  /**
   * The answer to 'backend': `info`, or `error` where the configured backend cannot start, or `busy`
   * while a cell runs (picking a backend then could switch TensorFlow.js's under a training cell).
   */
  | {
      readonly type: 'backend';
      readonly id: number;
      readonly info?: BackendInfo;
      readonly error?: SerializedError;
      readonly busy?: boolean;
    };

/**
 * MIME types the SynthAD renderer draws (the one table: the kernel, the host and the renderer import it;
 * package.json's notebookRenderer lists the same); each output also carries text fallbacks.
 *   report   the report's summary (`reportSummary`) with `table`, its table model (presentation/reportTable.ts)
 *   chart    a chart spec (presentation/chartSpec.ts); the live training chart is one, updated in place
 *   dataset  a dataset's summary with the first rows (`preview`)
 */
export const MIME = {
  report: 'application/vnd.synthad.report+json',
  chart: 'application/vnd.synthad.chart+json',
  dataset: 'application/vnd.synthad.dataset+json',
} as const;
