/**
 * V8's full garbage collection, for long streaming loops to call every few blocks: without it V8 lets the
 * heap grow to ~200 MB between its own full collections although one block keeps ~40 MB alive (measured),
 * and peak memory grows with the run's length. SYNTHAD_NO_GC=1 leaves V8 alone.
 */
import * as v8 from 'v8';
import * as vm from 'vm';

/** A function running a full collection, or undefined when V8 will not give one (or SYNTHAD_NO_GC=1). */
export function fullGc(): (() => void) | undefined {
  if (process.env.SYNTHAD_NO_GC === '1') return undefined;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as (() => void) | undefined;
    return typeof gc === 'function' ? gc : undefined;
  } catch {
    return undefined;
  }
}
