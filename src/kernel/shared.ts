/**
 * Small helpers the extension host and the kernel worker share. The host bundle includes this file,
 * so it imports nothing but Node built-ins, types and src/common/format (which imports nothing): no
 * TensorFlow.js, danfojs, chart.js or src/core.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { KernelConfig } from '../common/protocol';

/**
 * Relative paths resolve against the notebook's folder; `samples/...` falls back to the samples bundled
 * with the extension when the notebook's folder has no such file.
 */
export function resolveDataPath(file: string, config: Pick<KernelConfig, 'cwd' | 'samplesDir'>): string {
  const local = path.resolve(config.cwd, file);
  if (fs.existsSync(local) || path.isAbsolute(file) || !config.samplesDir) return local;
  const parts = file.split(/[\\/]/);
  if (parts[0] === 'samples') {
    const bundled = path.join(config.samplesDir, ...parts.slice(1));
    if (fs.existsSync(bundled)) return bundled;
  }
  return local;
}

/** The one duration format (`12s`, `4m05s`), for the kernel's and the host's progress messages. */
export { formatSeconds } from '../common/format';
