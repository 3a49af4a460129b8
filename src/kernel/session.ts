/**
 * The host side of a kernel: owns the worker thread, runs cells one at a time, routes the worker's
 * messages to the cell that caused them, and handles interrupt and restart. No VS Code here, so it runs
 * (and is tested) in plain Node; the notebook controller is a thin layer over it.
 */
import { Worker } from 'worker_threads';
import type { BackendInfo, KernelConfig, MimeBundle, SerializedError, TrainingProgress, VariableInfo, WorkerToHost } from './protocol';

export interface ExecutionSink {
  stream(name: 'stdout' | 'stderr', text: string): void;
  /** `result`: the cell's value (Jupyter's execute_result), not a display() call. */
  display(bundle: MimeBundle, displayId?: string, update?: boolean, result?: boolean): void;
  progress?(p: TrainingProgress): void;
}

export interface ExecutionResult {
  readonly ok: boolean;
  readonly error?: SerializedError;
  /** The cell was stopped by interrupt (training stopped, or the worker had to be restarted). */
  readonly interrupted?: boolean;
  /** The worker was replaced: every variable is gone. */
  readonly restarted?: boolean;
  /** The cell never ran (it was queued when the kernel was interrupted or restarted). */
  readonly skipped?: boolean;
}

export interface SessionOptions {
  /** How long an interrupted cell may take to stop before the worker is terminated (ms). */
  readonly graceMs?: number;
  /** Told when the worker is replaced, with the reason. */
  readonly onRestart?: (reason: string) => void;
}

interface Pending {
  readonly id: number;
  readonly code: string;
  readonly language: 'typescript' | 'javascript';
  readonly cellName: string;
  readonly sink: ExecutionSink;
  readonly resolve: (r: ExecutionResult) => void;
  interrupted?: boolean;
}

/** A question to the worker (variables, backend) waiting for its answer. */
interface Request {
  readonly generation: number;
  readonly resolve: (m: WorkerToHost) => void;
  readonly reject: (err: Error) => void;
}

export const DEFAULT_GRACE_MS = 5000;

export class KernelSession {
  private worker!: Worker;
  private ready!: Promise<void>;
  private generation = 0;
  private nextId = 1;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly requests = new Map<number, Request>();
  private disposed = false;

  constructor(private readonly workerPath: string, readonly config: KernelConfig, private readonly options: SessionOptions = {}) {
    this.start();
  }

  /** Is a cell running or waiting? */
  get busy(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  /** Runs a cell after those already queued. Never rejects: failures come back as `ok: false`. */
  execute(code: string, language: 'typescript' | 'javascript', cellName: string, sink: ExecutionSink): Promise<ExecutionResult> {
    if (this.disposed) return Promise.resolve({ ok: false, skipped: true, error: { name: 'KernelDisposed', message: 'the kernel was shut down' } });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, code, language, cellName, sink, resolve });
      this.pump();
    });
  }

  /**
   * Stops the running cell (training ends after the current batch) and drops queued cells. A cell that
   * is still running after the grace period (a busy loop) is stopped by replacing the worker.
   */
  interrupt(): void {
    for (const p of this.queue.splice(0)) p.resolve({ ok: false, skipped: true, interrupted: true });
    const cur = this.current;
    if (!cur || cur.interrupted) return;
    cur.interrupted = true;
    this.worker.postMessage({ type: 'interrupt', id: cur.id });
    this.graceTimer = setTimeout(() => {
      if (this.current !== cur) return;
      const secs = String((this.options.graceMs ?? DEFAULT_GRACE_MS) / 1000);
      this.replaceWorker(`the cell did not stop within ${secs} s of the interrupt`);
    }, this.options.graceMs ?? DEFAULT_GRACE_MS);
  }

  /** A fresh worker: every variable is cleared. Queued cells are dropped; a running one ends. */
  async restart(): Promise<void> {
    for (const p of this.queue.splice(0)) p.resolve({ ok: false, skipped: true, restarted: true });
    this.replaceWorker('restart requested');
    await this.ready;
  }

  /** Variables in the kernel's global scope that commands can offer (datasets, detectors, reports). */
  async variables(): Promise<ReadonlyArray<VariableInfo>> {
    const m = await this.request('variables');
    return m.type === 'variables' ? m.variables : [];
  }

  /**
   * The compute backend cells in this kernel train on (backend, library, threads), as the worker's
   * selectBackend and describeBackend give it. Rejects where the configured backend cannot start, and
   * with a KernelBusy error while a cell runs (then ask a fresh session with the same `config`).
   */
  async backend(): Promise<BackendInfo> {
    const m = await this.request('backend');
    if (m.type === 'backend' && m.info) return m.info;
    const err = new Error(m.type === 'backend' && m.busy ? 'a cell is running' : m.type === 'backend' && m.error ? m.error.message : 'the kernel gave no backend');
    err.name = m.type === 'backend' && m.busy ? 'KernelBusy' : m.type === 'backend' && m.error ? m.error.name : 'Error';
    throw err;
  }

  /** Asks the worker; rejects if the worker is replaced or the session disposed before it answers. */
  private async request(type: 'variables' | 'backend'): Promise<WorkerToHost> {
    if (this.disposed) throw new Error('the kernel was shut down');
    await this.ready;
    if (this.disposed) throw new Error('the kernel was shut down');
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.requests.set(id, { generation: this.generation, resolve, reject });
      this.worker.postMessage({ type, id });
    });
  }

  private failRequests(message: string): void {
    for (const [id, r] of this.requests) {
      if (r.generation === this.generation && !this.disposed) continue;
      this.requests.delete(id);
      r.reject(new Error(message));
    }
  }

  /** Resolves once the worker is up (after start or restart). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  dispose(): void {
    this.disposed = true;
    for (const p of this.queue.splice(0)) p.resolve({ ok: false, skipped: true });
    this.finishCurrent({ ok: false, error: { name: 'KernelDisposed', message: 'the kernel was shut down' } });
    this.failRequests('the kernel was shut down');
    void this.worker.terminate();
  }

  private start(): void {
    const generation = ++this.generation;
    const worker = new Worker(this.workerPath, { workerData: this.config, stdout: false, stderr: false });
    this.worker = worker;
    this.ready = new Promise((resolve) => {
      const onReady = (m: WorkerToHost): void => {
        if (m.type === 'ready') { worker.off('message', onReady); resolve(); }
      };
      worker.on('message', onReady);
      worker.once('exit', () => resolve());
    });
    worker.on('message', (m: WorkerToHost) => { if (generation === this.generation) this.onMessage(m); });
    worker.on('error', (err) => { if (generation === this.generation) this.onWorkerDied(`it failed: ${err.message}`); });
    worker.on('exit', (code) => { if (generation === this.generation && !this.disposed) this.onWorkerDied(`it exited with code ${code}`); });
  }

  private replaceWorker(reason: string): void {
    const old = this.worker;
    this.generation++; // messages and exit of the old worker are ignored from here on
    void old.terminate();
    const cur = this.current;
    this.start();
    this.failRequests('the kernel was restarted before it answered');
    if (cur) {
      const message = `The kernel was restarted because ${reason}; all variables were cleared.`;
      cur.sink.stream('stderr', message + '\n');
      this.finishCurrent({ ok: false, interrupted: cur.interrupted, restarted: true, error: { name: 'KernelRestarted', message } });
    }
    this.options.onRestart?.(reason);
    this.pump();
  }

  private onWorkerDied(reason: string): void {
    if (this.disposed) return;
    this.replaceWorker(`the kernel stopped: ${reason}`);
  }

  private onMessage(m: WorkerToHost): void {
    if (m.type === 'variables' || m.type === 'backend') {
      const r = this.requests.get(m.id);
      this.requests.delete(m.id);
      r?.resolve(m);
      return;
    }
    if (m.type === 'ready') return;
    const cur = this.current;
    // Output of timers that outlive their cell goes to that cell's sink only while it runs.
    if (!cur || m.id !== cur.id) return;
    if (m.type === 'stream') cur.sink.stream(m.name, m.text);
    else if (m.type === 'display') cur.sink.display(m.bundle, m.displayId, m.update, m.result);
    else if (m.type === 'progress') cur.sink.progress?.(m.progress);
    else if (m.type === 'done') this.finishCurrent({ ok: m.ok, error: m.error, interrupted: cur.interrupted });
  }

  private finishCurrent(result: ExecutionResult): void {
    const cur = this.current;
    if (!cur) return;
    clearTimeout(this.graceTimer);
    this.current = undefined;
    cur.resolve(result);
    this.pump();
  }

  private pump(): void {
    if (this.current || this.disposed) return;
    const next = this.queue.shift();
    if (!next) return;
    this.current = next;
    const generation = this.generation;
    void this.ready.then(() => {
      if (generation !== this.generation || this.current !== next) return;
      this.worker.postMessage({ type: 'execute', id: next.id, code: next.code, language: next.language, cellName: next.cellName });
    });
  }
}
