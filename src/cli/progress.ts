/**
 * Training progress on stderr: a redrawn bar on a terminal, one line per epoch otherwise.
 */
import { formatSeconds } from '../common/format';
import type { EpochProgress } from '../core/train';

export function progressPrinter(stream: NodeJS.WriteStream, label: string): (p: EpochProgress) => void {
  const tty = stream.isTTY === true;
  let elapsed = 0;
  return (p) => {
    elapsed += p.seconds;
    // Early stopping usually ends long before the epoch limit; the ETA is an upper bound.
    const eta = (elapsed / p.epoch) * (p.epochs - p.epoch);
    const text = `${label} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} val ${p.valLoss.toFixed(4)} ` +
      `best ${p.bestEpoch} ${Math.round(p.rowsPerSecond)} rows/s ETA <= ${formatSeconds(eta)}`;
    if (tty) {
      const width = 20, done = Math.round((p.epoch / p.epochs) * width);
      stream.write(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${text}\x1b[K`);
    } else {
      stream.write(text + '\n');
    }
  };
}

export function endProgress(stream: NodeJS.WriteStream): void {
  if (stream.isTTY) stream.write('\n');
}
