/**
 * Where a data file named in a notebook is. The kernel's `load` and the host's Load Dataset command resolve
 * names the same way, so this file imports only Node built-ins: the extension host's bundle takes it without
 * loading any of the core's compute.
 */
import * as fs from 'fs';
import * as path from 'path';

/**
 * Relative paths resolve against `cwd` (the notebook's folder); `samples/...` falls back to `samplesDir` (the
 * samples bundled with the extension) when the notebook's folder has no such file.
 */
export function resolveDataPath(file: string, config: { readonly cwd: string; readonly samplesDir?: string }): string {
  const local = path.resolve(config.cwd, file);
  if (fs.existsSync(local) || path.isAbsolute(file) || !config.samplesDir) return local;
  const parts = file.split(/[\\/]/);
  if (parts[0] === 'samples') {
    const bundled = path.join(config.samplesDir, ...parts.slice(1));
    if (fs.existsSync(bundled)) return bundled;
  }
  return local;
}
