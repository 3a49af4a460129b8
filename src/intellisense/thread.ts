/**
 * The IntelliSense thread's entry (dist/intellisense.js), a worker thread of the extension host: TypeScript
 * language services for SynthAD notebooks (service.ts), off the extension host's thread (a first check of a
 * notebook takes about a second, with `tf` or `dfd` in use about three). TypeScript itself is loaded on the
 * first message, not when the thread starts.
 */
import { parentPort, workerData } from 'worker_threads';
import type * as TS from 'typescript';
import { IntellisenseService } from './service';
import type { HostMessage, HostRequest, ThreadReply } from './protocol';

const port = parentPort!;
const { extensionPath } = workerData as { extensionPath: string };
let service: IntellisenseService | undefined;

function get(): IntellisenseService {
  service ??= new IntellisenseService(require('typescript') as typeof TS, { extensionPath });
  return service;
}

function answer(m: HostRequest): unknown {
  const s = get();
  switch (m.type) {
    case 'diagnostics':
      return s.diagnostics(m.notebook);
    case 'completions':
      return s.completions(m.notebook, m.cell, m.offset, m.trigger);
    case 'completionDetails':
      return s.completionDetails(m.notebook, m.cell, m.offset, m.name, m.source, m.data);
    case 'quickInfo':
      return s.quickInfo(m.notebook, m.cell, m.offset);
    case 'signatureHelp':
      return s.signatureHelp(m.notebook, m.cell, m.offset, m.trigger);
  }
}

port.on('message', (m: HostMessage) => {
  if (m.type === 'update') {
    get().update(m.notebook, m.cwd, m.version, m.cells);
  } else if (m.type === 'close') {
    service?.close(m.notebook);
  } else {
    let reply: ThreadReply;
    try {
      reply = { type: 'reply', id: m.id, result: answer(m) };
    } catch (err) {
      reply = { type: 'reply', id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    port.postMessage(reply);
  }
});
