/**
 * One worker thread of the boosted-tree trainer (gbt.ts, gbtHist.ts): builds its features' part of each
 * node's histogram in the trainer's shared WebAssembly memory, woken through a shared control array.
 */
import { parentPort, workerData } from 'worker_threads';
import { histWorkerLoop, HistWorkerInit } from './gbtHist';

if (!parentPort) throw new Error('gbtWorker runs as a worker thread of the boosted-tree trainer');
parentPort.postMessage('ready');
histWorkerLoop(workerData as HistWorkerInit);
