/**
 * The kernel process's entry (dist/kernel.js): one process per notebook, as Jupyter's, started by the host's
 * KernelSession (src/extension/kernelSession.ts) with an IPC channel (bench/kernel.js also runs it in a thread
 * of its own process, to compare). It holds the cells' global state, evaluates transformed cells one at a time,
 * streams console output and displays back to the host, and stops training on interrupt. Its global scope
 * is the notebook's: cells' top-level names live on `globalThis`. A crash here (a native fault, running out
 * of memory, `process.exit` in a cell) ends this process only; the host reports it and starts a fresh one.
 */
import { parentPort, workerData } from 'worker_threads';
import { createRequire } from 'module';
import * as path from 'path';
import * as vm from 'vm';
import { format } from 'util';
import { createCellApi, CellContext } from './api';
import { toMimeBundle } from './display';
import { isReport, isTable } from './values';
import { transformCell, CellSyntaxError, REQUIRE_NAME, INTEROP_NAME } from './transform';
import type {
  BackendInfo,
  HostToKernel,
  KernelConfig,
  SerializedError,
  VariableInfo,
  KernelToHost,
} from '../common/protocol';
import { Detector as CoreDetector } from '../core/detector';
import { describeBackend, resolveThreads, selectBackend } from '../core/backend';

/** The channel to the host: the IPC channel of a kernel process, or the parent port of a worker thread. */
interface HostChannel {
  send(m: KernelToHost): void;
  onMessage(listener: (m: HostToKernel) => void): void;
}

function hostChannel(): HostChannel {
  if (parentPort) {
    const p = parentPort;
    return { send: (m) => p.postMessage(m), onMessage: (l) => p.on('message', l) };
  }
  if (!process.send)
    throw new Error(
      'the SynthAD kernel runs as a process started by KernelSession (with an IPC channel) or in a worker thread',
    );
  // The host is gone (window reloaded, extension host ended, killed): this kernel ends with it, never orphaned.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (m) => {
      process.send!(m);
    },
    onMessage: (l) => process.on('message', l as (m: unknown) => void),
  };
}

const channel = hostChannel();
const config = (parentPort ? workerData : JSON.parse(process.env.SYNTHAD_KERNEL_CONFIG ?? '{}')) as KernelConfig;
const send = (m: KernelToHost): void => channel.send(m);

interface Running {
  readonly id: number;
  readonly controller: AbortController;
}
let running: Running | undefined;
/** The last cell that ran, for output of timers and promises that outlive their cell. */
let lastId = 0;

function context(): CellContext | undefined {
  const r = running;
  if (!r) return undefined;
  return {
    signal: r.controller.signal,
    display: (bundle, displayId, update) => send({ type: 'display', id: r.id, bundle, displayId, update }),
    progress: (progress) => send({ type: 'progress', id: r.id, progress }),
    stderr: (text) => send({ type: 'stream', id: r.id, name: 'stderr', text }),
  };
}

function installGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  const api = createCellApi(config, context);
  const notebookRequire = createRequire(path.join(config.cwd, '__notebook__.js'));
  Object.assign(g, {
    load: api.load,
    Detector: api.Detector,
    plot: api.plot,
    display: api.display,
    exportScores: api.exportScores,
    require: notebookRequire,
    [REQUIRE_NAME]: notebookRequire,
    [INTEROP_NAME]: (m: { __esModule?: boolean; default?: unknown } | null) => (m && m.__esModule ? m.default : m),
  });
  // danfojs and TensorFlow.js load on first use: the kernel starts without them (tfjs alone takes 150 ms).
  let dfd: unknown, tf: unknown;
  Object.defineProperty(g, 'dfd', {
    configurable: true,
    enumerable: true,
    get: () => (dfd ??= require('danfojs-node')),
    set: (v) => {
      dfd = v;
    },
  });
  Object.defineProperty(g, 'tf', {
    configurable: true,
    enumerable: true,
    get: () => (tf ??= require('@tensorflow/tfjs')),
    set: (v) => {
      tf = v;
    },
  });
  const stream =
    (name: 'stdout' | 'stderr') =>
    (...args: unknown[]): void => {
      send({ type: 'stream', id: running?.id ?? lastId, name, text: format(...args) + '\n' });
    };
  console.log = console.info = console.debug = stream('stdout');
  console.warn = console.error = stream('stderr');
  process.on('uncaughtException', (err) =>
    send({ type: 'stream', id: running?.id ?? lastId, name: 'stderr', text: `Uncaught ${errorText(err)}\n` }),
  );
  process.on('unhandledRejection', (err) =>
    send({
      type: 'stream',
      id: running?.id ?? lastId,
      name: 'stderr',
      text: `Unhandled rejection: ${errorText(err)}\n`,
    }),
  );
}

function errorText(err: unknown): string {
  const e = serializeError(err, '');
  return e.stack ?? `${e.name}: ${e.message}`;
}

/** A stack frame in the kernel's own entry: the bundle dist/kernel.js, or src/kernel/main compiled (tests). */
const KERNEL_FRAME = /[\\/](dist[\\/]kernel\.js|kernel[\\/]main\.[jt]s):/;

/** The error as the notebook shows it: stack frames inside the kernel itself are cut. */
function serializeError(err: unknown, cellName: string): SerializedError {
  if (!(err instanceof Error) && !(typeof err === 'object' && err !== null && 'message' in err)) {
    return { name: 'Error', message: `a cell threw ${typeof err === 'string' ? JSON.stringify(err) : format(err)}` };
  }
  const e = err as Error;
  let stack = e.stack;
  if (stack) {
    const lines = stack.split('\n');
    const head = lines.filter((l) => !/^\s+at /.test(l));
    const frames = lines.filter((l) => /^\s+at /.test(l));
    const last = frames.map((l) => l.includes(cellName) && cellName !== '').lastIndexOf(true);
    const kept =
      last >= 0
        ? frames.slice(0, last + 1)
        : frames.filter((l) => !l.includes('node:internal') && !KERNEL_FRAME.test(l));
    stack = [...head, ...kept].join('\n');
  }
  return { name: e.name, message: e.message, stack };
}

async function execute(
  id: number,
  code: string,
  language: 'typescript' | 'javascript',
  cellName: string,
): Promise<void> {
  running = { id, controller: new AbortController() };
  lastId = id;
  try {
    const cell = transformCell(code, language);
    const script = new vm.Script(cell.code, { filename: cellName, lineOffset: cell.lineOffset });
    let value = await (script.runInThisContext({ displayErrors: false }) as Promise<unknown>);
    if (value && typeof (value as PromiseLike<unknown>).then === 'function') value = await value;
    const bundle = toMimeBundle(value);
    if (bundle) send({ type: 'display', id, bundle, result: true });
    send({ type: 'done', id, ok: true });
  } catch (err) {
    const error =
      err instanceof CellSyntaxError
        ? { name: 'SyntaxError', message: `${cellName}: ${err.message}` }
        : serializeError(err, cellName);
    send({ type: 'done', id, ok: false, error });
  } finally {
    running = undefined;
  }
}

function variables(): VariableInfo[] {
  const out: VariableInfo[] = [];
  for (const name of Object.keys(globalThis)) {
    let v: unknown;
    try {
      v = (globalThis as Record<string, unknown>)[name];
    } catch {
      continue;
    }
    if (isTable(v)) {
      const label = (
        v as { label?: { column: string; values: ReadonlyArray<string>; normalValues: ReadonlyArray<string> } }
      ).label;
      out.push({
        name,
        kind: 'dataset',
        detail: `${v.rowCount} rows from ${path.basename(v.source)}${label ? `, label '${label.column}'` : ''}`,
        ...(label
          ? {
              labelColumn: label.column,
              labelValues: [...new Set(label.values)].sort(),
              normalValues: [...label.normalValues],
            }
          : {}),
      });
    } else if (v instanceof CoreDetector) {
      out.push({
        name,
        kind: 'detector',
        detail: `${v.name}${v.isFitted ? ', fitted' : ', not fitted'}`,
        fitted: v.isFitted,
      });
    } else if (isReport(v)) {
      out.push({
        name,
        kind: 'report',
        detail: `${v.detector} on ${path.basename(v.source)}: AUROC ${v.auroc.toFixed(4)}`,
      });
    }
  }
  return out;
}

/** The backend `new Detector()` in a cell trains on: the same selectBackend and describeBackend as its fit. */
async function backendInfo(): Promise<BackendInfo> {
  const d = config.detectorDefaults ?? {};
  const choice = await selectBackend(d.backend ?? 'auto');
  return {
    backend: choice.backend,
    detail: describeBackend(choice, resolveThreads(d.threads ?? 0)),
    skipped: [...choice.skipped],
    ...(choice.hint ? { hint: choice.hint } : {}),
  };
}

let queue = Promise.resolve();
/** Cells received and not finished: messages can arrive together, before the first cell has started. */
let cellsInFlight = 0;
channel.onMessage((m: HostToKernel) => {
  if (m.type === 'interrupt') {
    if (running && running.id === m.id) running.controller.abort();
  } else if (m.type === 'variables') {
    // Answered on the next turn of the event loop: messages can arrive together, and a cell sent just before
    // this question has then started (as it has where the kernel runs in a thread), so a busy cell delays the answer.
    setImmediate(() => send({ type: 'variables', id: m.id, variables: variables() }));
  } else if (m.type === 'backend') {
    // While a cell runs, selectBackend for the settings' backend could switch TensorFlow.js's backend under
    // a cell that chose another one: the host asks a fresh kernel instead.
    if (cellsInFlight > 0) send({ type: 'backend', id: m.id, busy: true });
    else
      backendInfo().then(
        (info) => send({ type: 'backend', id: m.id, info }),
        (err: unknown) => send({ type: 'backend', id: m.id, error: serializeError(err, '') }),
      );
  } else if (m.type === 'execute') {
    cellsInFlight++;
    queue = queue
      .then(() => execute(m.id, m.code, m.language, m.cellName))
      .finally(() => {
        cellsInFlight--;
      });
  }
});

installGlobals();
send({ type: 'ready' });
