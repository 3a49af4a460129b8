/**
 * Training progress on stderr: a redrawn bar on a terminal, one line per epoch otherwise.
 */
import { formatSeconds } from '../common/format';
import type { EpochProgress } from '../core/train';

export function progressPrinter(stream: NodeJS.WriteStream, label: string): (p: EpochProgress) => void {
  const tty = stream.isTTY === true;
  let elapsed = 0;
  let member: string | undefined;
  return (p) => {
    // An ensemble trains its members one after another: the count starts again with each.
    if (p.member !== member) {
      member = p.member;
      elapsed = 0;
    }
    elapsed += p.seconds;
    // Early stopping usually ends long before the epoch limit; the ETA is an upper bound.
    const eta = (elapsed / p.epoch) * (p.epochs - p.epoch);
    const text =
      `${label}${p.member ? ` - ${p.member}` : ''} ${p.unit ?? 'epoch'} ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} val ${p.valLoss.toFixed(4)} ` +
      `best ${p.bestEpoch} ${Math.round(p.rowsPerSecond)} rows/s ETA <= ${formatSeconds(eta)}`;
    if (tty) {
      const width = 20,
        done = Math.round((p.epoch / p.epochs) * width);
      stream.write(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${text}\x1b[K`);
    } else {
      stream.write(text + '\n');
    }
  };
}

export function endProgress(stream: NodeJS.WriteStream): void {
  if (stream.isTTY) stream.write('\n');
}

/** Rows as `3.2M`, `410k`, `950`. */
function countText(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(n));
}

export interface RowProgress {
  /** Rows done so far, bytes of the input read and its size (compressed bytes for .gz: the ETA's base). */
  readonly update: (rows: number, bytesRead: number, bytesTotal: number) => void;
  /** Ends the redrawn line (once; later calls do nothing). */
  readonly end: () => void;
}

/**
 * Streamed scoring's progress on stderr: on a terminal a redrawn line
 * `[####................] 3.2M rows, 410k rows/s, ETA 12s` (at most 10 times a second); otherwise the same
 * text, without the bar, every `everySeconds` (the first after that long, so short runs print nothing).
 */
export function rowProgress(stream: NodeJS.WriteStream, everySeconds = 5): RowProgress {
  const tty = stream.isTTY === true;
  const start = Date.now();
  let last = tty ? 0 : start;
  let drawn = false,
    ended = false;
  return {
    update: (rows, bytesRead, bytesTotal) => {
      if (ended) return;
      const now = Date.now();
      if (now - last < (tty ? 100 : everySeconds * 1000)) return;
      last = now;
      const seconds = (now - start) / 1000;
      const share = bytesTotal > 0 ? Math.min(1, bytesRead / bytesTotal) : 0;
      const eta = share > 0 ? (seconds / share) * (1 - share) : NaN;
      const text = `${countText(rows)} rows, ${countText(seconds > 0 ? rows / seconds : 0)} rows/s, ETA ${Number.isFinite(eta) ? formatSeconds(eta) : '?'}`;
      if (tty) {
        const width = 20,
          done = Math.round(share * width);
        stream.write(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${text}\x1b[K`);
        drawn = true;
      } else {
        stream.write(`synthad: ${text}\n`);
      }
    },
    end: () => {
      if (ended) return;
      ended = true;
      if (tty && drawn) stream.write('\r\x1b[K');
    },
  };
}
