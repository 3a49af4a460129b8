/**
 * One worker thread of streamed scoring (scoreStream.ts): builds its own detector from the snapshot it is
 * given (single-threaded, on the same backend), then parses, types, scores and formats each block it is
 * sent and replies with the block's output bytes. Errors are replied, never thrown: a SynthadInputError
 * keeps its message and place, so the user sees the same line as without workers.
 */
import { parentPort, workerData } from 'worker_threads';
import { SynthadInputError } from './errors';
import { fullGc } from './gc';
import { detectorFromSnapshot } from './persist';
import { BlockScorer, BlockTask, ScoreWorkerInit, ScoreWorkerReply } from './scoreStream';

/**
 * Rows a worker scores between its full garbage collections. Measured, 600 K rows x 9 columns on 2 workers:
 * every 32 K rows 3.1 s and 154 MB peak RSS, 64 K 2.9 s 165 MB, 128 K 2.8 s 175 MB, none 2.6 s 213 MB.
 */
const GC_EVERY_ROWS = 65_536;

if (!parentPort) throw new Error('scoreWorker runs as a worker thread of streamed scoring');
const port = parentPort;
const init = workerData as ScoreWorkerInit;
const gc = init.collectGarbage ? fullGc() : undefined;
const scorer = detectorFromSnapshot(init.snapshot, { threads: 1 }).then((d) => new BlockScorer(d, init.setup));
scorer.catch(() => undefined); // a failed start is replied with the first block
let rowsSinceGc = 0;

port.on('message', (task: BlockTask) => {
  scorer
    .then((blocks) => {
      const result = blocks.score(task);
      port.postMessage({ kind: 'done', result } satisfies ScoreWorkerReply, [result.output.buffer as ArrayBuffer]);
      rowsSinceGc += result.rows;
      if (gc && rowsSinceGc >= GC_EVERY_ROWS) {
        rowsSinceGc = 0;
        gc();
      }
    })
    .catch((error: unknown) => {
      const e = error as Error;
      port.postMessage(
        (error instanceof SynthadInputError
          ? { kind: 'error', message: e.message, where: error.where }
          : { kind: 'error', message: e?.message ?? String(error), stack: e?.stack }) satisfies ScoreWorkerReply,
      );
    });
});
