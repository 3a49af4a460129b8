/**
 * Where a worker thread's script is: bundled next to the running bundle (`dist/<bundled>`), or compiled next to
 * the calling module (`out/src/core/<compiled>`, in tests and benchmarks). One finder for every kind of thread
 * SynthAD starts (data-parallel training, streamed scoring).
 */
import * as fs from 'fs';
import * as path from 'path';

export function workerScript(bundled: string, compiled: string, what: string): string {
  const candidates = [path.join(__dirname, bundled), path.join(__dirname, compiled)];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`the ${what} script is missing (looked for ${candidates.join(', ')})`);
  return found;
}
