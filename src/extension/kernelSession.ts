/**
 * The host side of a kernel: owns the kernel process (one per notebook, as Jupyter's), runs cells one at
 * a time, routes the kernel's messages to the cell that caused them, and handles interrupt, restart and
 * the kernel's death. It runs in the extension host but imports no VS Code (only Node built-ins and
 * src/common), so it runs (and is tested) in plain Node; the notebook controller (kernelController.ts) is a
 * thin layer over it.
 *
 * The kernel is a child process, not a thread of the host: a native crash, running out of memory or
 * `process.exit` in a cell ends the kernel only. The session then ends the running cell with one line
 * saying what happened, skips the queued cells and starts a fresh kernel. A memory limit applies to the
 * kernel: V8's heap limit, and its resident memory watched from here.
 */
import { ChildProcess, execFile, fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import type {
  BackendInfo,
  HostToKernel,
  KernelConfig,
  MimeBundle,
  SerializedError,
  TrainingProgress,
  VariableInfo,
  KernelToHost,
} from '../common/protocol';

export interface ExecutionSink {
  stream(name: 'stdout' | 'stderr', text: string): void;
  /** `result`: the cell's value (Jupyter's execute_result), not a display() call. */
  display(bundle: MimeBundle, displayId?: string, update?: boolean, result?: boolean): void;
  progress?(p: TrainingProgress): void;
}

export interface ExecutionResult {
  readonly ok: boolean;
  readonly error?: SerializedError;
  /** The cell was stopped by interrupt (training stopped, or the kernel had to be restarted). */
  readonly interrupted?: boolean;
  /** The kernel was replaced: every variable is gone. */
  readonly restarted?: boolean;
  /** The cell never ran (it was queued when the kernel was interrupted or restarted). */
  readonly skipped?: boolean;
}

export interface SessionOptions {
  /** How long an interrupted cell may take to stop before the kernel is ended (ms). */
  readonly graceMs?: number;
  /** Told when the kernel is replaced, with the reason. */
  readonly onRestart?: (reason: string) => void;
  /** The kernel's memory limit in MB (JavaScript heap and resident memory); default `defaultKernelMemoryMB()`. */
  readonly memoryMB?: number;
  /** Where the limit comes from, named in the message when the kernel hits it (e.g. the setting). */
  readonly memorySource?: string;
}

/** The argument that marks kernel processes (in `ps`), for tests that look for orphans. */
export const KERNEL_PROCESS_MARK = '--synthad-kernel';

/** Half the machine's memory, at least 1 GB: a kernel may hold large datasets, but not starve the machine. */
export function defaultKernelMemoryMB(): number {
  return Math.max(1024, Math.floor(os.totalmem() / 2 / 2 ** 20));
}

/** How often the kernel's resident memory is checked against the limit (ms). */
const MEMORY_POLL_MS = 200;
/** The tail of the kernel's stderr kept to tell why it died. */
const STDERR_TAIL = 8192;

const SIGNAL_NAMES: Readonly<Record<string, string>> = {
  SIGSEGV: 'segmentation fault',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'arithmetic fault',
  SIGABRT: 'aborted',
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGTRAP: 'trap',
};

interface Pending {
  readonly id: number;
  readonly code: string;
  readonly language: 'typescript' | 'javascript';
  readonly cellName: string;
  readonly sink: ExecutionSink;
  readonly resolve: (r: ExecutionResult) => void;
  interrupted?: boolean;
}

/** A question to the kernel (variables, backend) waiting for its answer. */
interface Request {
  readonly generation: number;
  readonly resolve: (m: KernelToHost) => void;
  readonly reject: (err: Error) => void;
}

export const DEFAULT_GRACE_MS = 5000;

export class KernelSession {
  /** The kernel process. */
  private child!: ChildProcess;
  private ready!: Promise<void>;
  /** Set when the session itself ends the kernel for using too much memory. */
  private memoryKill: { rssMB: number } | undefined;
  private stderrTail = '';
  private memoryTimer: NodeJS.Timeout | undefined;
  /** A death while no cell ran, told to the next cell. */
  private idleDeath: string | undefined;
  readonly memoryMB: number;
  private generation = 0;
  private nextId = 1;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly requests = new Map<number, Request>();
  private disposed = false;

  /** `kernelScript`: the kernel process's entry, dist/kernel.js (out/src/kernel/main.js in the unit tests). */
  constructor(
    private readonly kernelScript: string,
    readonly config: KernelConfig,
    private readonly options: SessionOptions = {},
  ) {
    this.memoryMB = options.memoryMB ?? defaultKernelMemoryMB();
    if (!(Number.isInteger(this.memoryMB) && this.memoryMB >= 64))
      throw new RangeError(`kernel memory limit must be an integer of at least 64 MB, got ${String(options.memoryMB)}`);
    this.start();
  }

  /** The kernel process's id (changes when the kernel is restarted). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Is a cell running or waiting? */
  get busy(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  /** Runs a cell after those already queued. Never rejects: failures come back as `ok: false`. */
  execute(
    code: string,
    language: 'typescript' | 'javascript',
    cellName: string,
    sink: ExecutionSink,
  ): Promise<ExecutionResult> {
    if (this.disposed)
      return Promise.resolve({
        ok: false,
        skipped: true,
        error: { name: 'KernelDisposed', message: 'the kernel was shut down' },
      });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, code, language, cellName, sink, resolve });
      this.pump();
    });
  }

  /**
   * Stops the running cell (training ends after the current batch) and drops queued cells. A cell that
   * is still running after the grace period (a busy loop) is stopped by replacing the kernel.
   */
  interrupt(): void {
    for (const p of this.queue.splice(0)) p.resolve({ ok: false, skipped: true, interrupted: true });
    const cur = this.current;
    if (!cur || cur.interrupted) return;
    cur.interrupted = true;
    this.post({ type: 'interrupt', id: cur.id });
    this.graceTimer = setTimeout(() => {
      if (this.current !== cur) return;
      const secs = String((this.options.graceMs ?? DEFAULT_GRACE_MS) / 1000);
      this.replaceKernel(`the cell did not stop within ${secs} s of the interrupt`);
    }, this.options.graceMs ?? DEFAULT_GRACE_MS);
  }

  /** A fresh kernel: every variable is cleared. Queued cells are dropped; a running one ends. */
  async restart(): Promise<void> {
    for (const p of this.queue.splice(0)) p.resolve({ ok: false, skipped: true, restarted: true });
    this.replaceKernel('restart requested');
    await this.ready;
  }

  /** Variables in the kernel's global scope that commands can offer (datasets, detectors, reports). */
  async variables(): Promise<ReadonlyArray<VariableInfo>> {
    const m = await this.request('variables');
    return m.type === 'variables' ? m.variables : [];
  }

  /**
   * The compute backend cells in this kernel train on (backend, library, threads), as the kernel's
   * selectBackend and describeBackend give it. Rejects where the configured backend cannot start, and
   * with a KernelBusy error while a cell runs (then ask a fresh session with the same `config`).
   */
  async backend(): Promise<BackendInfo> {
    const m = await this.request('backend');
    if (m.type === 'backend' && m.info) return m.info;
    const err = new Error(
      m.type === 'backend' && m.busy
        ? 'a cell is running'
        : m.type === 'backend' && m.error
          ? m.error.message
          : 'the kernel gave no backend',
    );
    err.name = m.type === 'backend' && m.busy ? 'KernelBusy' : m.type === 'backend' && m.error ? m.error.name : 'Error';
    throw err;
  }

  /** Asks the kernel; rejects if the kernel is replaced or the session disposed before it answers. */
  private async request(type: 'variables' | 'backend'): Promise<KernelToHost> {
    if (this.disposed) throw new Error('the kernel was shut down');
    await this.ready;
    if (this.disposed) throw new Error('the kernel was shut down');
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.requests.set(id, { generation: this.generation, resolve, reject });
      this.post({ type, id });
    });
  }

  private failRequests(message: string): void {
    for (const [id, r] of this.requests) {
      if (r.generation === this.generation && !this.disposed) continue;
      this.requests.delete(id);
      r.reject(new Error(message));
    }
  }

  /** Resolves once the kernel is up (after start or restart). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  dispose(): void {
    this.disposed = true;
    for (const p of this.queue.splice(0)) p.resolve({ ok: false, skipped: true });
    this.finishCurrent({ ok: false, error: { name: 'KernelDisposed', message: 'the kernel was shut down' } });
    this.failRequests('the kernel was shut down');
    this.stopKernel();
  }

  private post(m: HostToKernel): void {
    const child = this.child;
    if (!child.connected) return; // dying: its exit handler takes over
    try {
      child.send(m);
    } catch {
      /* the channel closed under us: the exit handler takes over */
    }
  }

  private start(): void {
    const generation = ++this.generation;
    this.memoryKill = undefined;
    this.stderrTail = '';
    const child = fork(this.kernelScript, [KERNEL_PROCESS_MARK], {
      // VS Code's extension host runs on Electron's Node: ELECTRON_RUN_AS_NODE makes the same binary a plain Node.
      execPath: process.execPath,
      execArgv: [`--max-old-space-size=${this.memoryMB}`],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', SYNTHAD_KERNEL_CONFIG: JSON.stringify(this.config) },
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.ready = new Promise((resolve) => {
      const onReady = (m: KernelToHost): void => {
        if (m.type === 'ready') {
          child.off('message', onReady);
          resolve();
        }
      };
      child.on('message', onReady);
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    child.on('message', (m: KernelToHost) => {
      if (generation === this.generation) this.onMessage(m);
    });
    // Output that bypasses console (process.stdout.write in a cell, native libraries) goes to the running cell.
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      if (generation === this.generation) this.current?.sink.stream('stdout', text);
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      if (generation !== this.generation) return;
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
      if (!/heap out of memory|^\s*$/.test(text) && !text.includes('<--- Last few GCs --->'))
        this.current?.sink.stream('stderr', text);
    });
    child.on('error', (err) => {
      if (generation === this.generation && !this.disposed) this.onKernelDied(`it could not start: ${err.message}`);
    });
    child.on('exit', (code, signal) => {
      if (generation === this.generation && !this.disposed) this.onKernelDied(this.deathReason(code, signal));
    });
    this.watchMemory(child, generation);
  }

  /** Why the kernel process ended, in words. */
  private deathReason(code: number | null, signal: NodeJS.Signals | null): string {
    const source = this.options.memorySource ? `, ${this.options.memorySource}` : '';
    if (this.memoryKill)
      return `it used ${this.memoryKill.rssMB} MB of memory, more than its limit of ${this.memoryMB} MB${source}`;
    if (/heap out of memory|Reached heap limit/.test(this.stderrTail))
      return `out of memory: its JavaScript heap reached the limit of ${this.memoryMB} MB${source}`;
    if (signal) return SIGNAL_NAMES[signal] ? `${SIGNAL_NAMES[signal]}, ${signal}` : `signal ${signal}`;
    return `it exited with code ${String(code)}`;
  }

  /** Ends the kernel with SIGKILL when its resident memory passes the limit. Linux reads /proc; macOS asks ps. */
  private watchMemory(child: ChildProcess, generation: number): void {
    clearInterval(this.memoryTimer);
    const pid = child.pid;
    if (pid === undefined || (process.platform !== 'linux' && process.platform !== 'darwin')) return;
    let asking = false;
    const check = (rssKB: number | undefined): void => {
      if (rssKB === undefined || generation !== this.generation || this.memoryKill) return;
      const rssMB = Math.round(rssKB / 1024);
      if (rssMB > this.memoryMB) {
        this.memoryKill = { rssMB };
        child.kill('SIGKILL');
      }
    };
    this.memoryTimer = setInterval(() => {
      if (generation !== this.generation) {
        clearInterval(this.memoryTimer);
        return;
      }
      if (process.platform === 'linux') {
        check(linuxRssKB(pid));
      } else if (!asking) {
        asking = true;
        execFile('ps', ['-o', 'rss=', '-p', String(pid)], (err, out) => {
          asking = false;
          check(err ? undefined : Number(out.trim()) || undefined);
        });
      }
    }, MEMORY_POLL_MS);
    this.memoryTimer.unref();
  }

  private stopKernel(): void {
    clearInterval(this.memoryTimer);
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private replaceKernel(reason: string, died = false): void {
    this.generation++; // messages and exit of the old kernel are ignored from here on
    this.stopKernel();
    const cur = this.current;
    if (died) {
      for (const p of this.queue.splice(0)) p.resolve({ ok: false, skipped: true, restarted: true });
      if (!cur) this.idleDeath = reason;
    }
    this.start();
    this.failRequests('the kernel was restarted before it answered');
    if (cur && died) {
      const message = `The kernel died (${reason}); it was restarted and all variables were cleared.`;
      this.finishCurrent({
        ok: false,
        interrupted: cur.interrupted,
        restarted: true,
        error: { name: 'KernelDied', message, stack: message },
      });
    } else if (cur) {
      const message = `The kernel was restarted because ${reason}; all variables were cleared.`;
      cur.sink.stream('stderr', message + '\n');
      this.finishCurrent({
        ok: false,
        interrupted: cur.interrupted,
        restarted: true,
        error: { name: 'KernelRestarted', message },
      });
    }
    this.options.onRestart?.(reason);
    this.pump();
  }

  private onKernelDied(reason: string): void {
    if (this.disposed) return;
    this.replaceKernel(reason, true);
  }

  private onMessage(m: KernelToHost): void {
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
    if (this.idleDeath !== undefined) {
      next.sink.stream(
        'stderr',
        `The kernel died (${this.idleDeath}) while no cell was running; it was restarted and all variables were cleared.\n`,
      );
      this.idleDeath = undefined;
    }
    const generation = this.generation;
    void this.ready.then(() => {
      if (generation !== this.generation || this.current !== next) return;
      this.post({ type: 'execute', id: next.id, code: next.code, language: next.language, cellName: next.cellName });
    });
  }
}

/** Resident memory of a Linux process in KB (VmRSS in /proc/PID/status), undefined once it is gone. */
function linuxRssKB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
