/**
 * Writing the user's files without ever losing one: outputs are written to a partial file next to
 * the target and renamed into place; partial files are tracked so that a failure, Ctrl+C or SIGTERM
 * removes them, and partial files left by a killed process (SIGKILL, power loss) are removed by the
 * next write to the same target.
 */
import * as fs from 'fs';
import * as path from 'path';

const PARTIAL_MARK = '.partial-';
const live = new Set<string>();
let counter = 0;

/** A fresh partial path for `target` (same folder, so the final rename is atomic), tracked until released. */
export function partialPath(target: string): string {
  const p = `${target}${PARTIAL_MARK}${process.pid}-${++counter}`;
  live.add(p);
  return p;
}

/** Stops tracking a partial path (it was renamed into place or removed). */
export function releasePartial(p: string): void {
  live.delete(p);
}

/** Removes a partial file or folder and stops tracking it. */
export function removePartial(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    /* best effort: nothing more can be done */
  }
  live.delete(p);
}

/** Removes every partial file or folder this process still has open (on failure or a signal). */
export function removeAllPartials(): void {
  for (const p of [...live]) removePartial(p);
}

/**
 * Removes `target.partial-<pid>-<n>` files and folders whose process is no longer running: what a
 * killed write left behind. Files of running processes (another write in flight) are left alone.
 */
export function removeStalePartials(target: string): string[] {
  const dir = path.dirname(path.resolve(target));
  const prefix = path.basename(target) + PARTIAL_MARK;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-\d+$/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || processAlive(pid)) continue;
    const p = path.join(dir, name);
    try {
      fs.rmSync(p, { recursive: true, force: true });
      removed.push(p);
    } catch {
      /* not ours to force */
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes `target` through a partial file next to it: `write` fills the new file; once it returns, the file is
 * flushed and renamed over `target`, so `target` holds its old content or the whole new one. On failure the
 * partial file is removed (and, through removeAllPartials, on Ctrl+C or SIGTERM in the CLI); partial files of
 * killed runs are removed first.
 */
export async function replaceFile<T>(
  target: string,
  write: (handle: fs.promises.FileHandle) => Promise<T>,
): Promise<T> {
  removeStalePartials(target);
  const tmp = partialPath(target);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(tmp, 'wx');
    const result = await write(handle);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await failpointAsync('csv:complete');
    fs.renameSync(tmp, target);
    releasePartial(tmp);
    return result;
  } catch (err) {
    await handle?.close().catch(() => undefined);
    removePartial(tmp);
    throw err;
  }
}

/** The path as the file system resolves it (symlinks followed); for a file that does not exist yet, its folder resolved. */
export function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPath(parent), path.basename(abs));
  }
}

/** True when `a` and `b` name the same file (after following symlinks; hard links by device and inode). */
export function samePath(a: string, b: string): boolean {
  if (realPath(a) === realPath(b)) return true;
  try {
    const sa = fs.statSync(a),
      sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/**
 * Fault injection for tests: when SYNTHAD_FAILPOINT names this point, the process kills itself here
 * with SYNTHAD_FAILPOINT_SIGNAL (default SIGKILL: nothing runs after it, as in a crash or power loss).
 */
export function failpoint(name: string): void {
  if (process.env.SYNTHAD_FAILPOINT !== name) return;
  process.kill(process.pid, (process.env.SYNTHAD_FAILPOINT_SIGNAL ?? 'SIGKILL') as NodeJS.Signals);
}

/**
 * `failpoint` for async code: after a catchable signal (SIGTERM, SIGINT) it waits, so the process's signal
 * handler runs here, as it would for a signal arriving at this moment from outside.
 */
export async function failpointAsync(name: string): Promise<void> {
  if (process.env.SYNTHAD_FAILPOINT !== name) return;
  failpoint(name);
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
