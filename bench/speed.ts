/**
 * Training speed of the paper's MLP (d -> 500 -> 500 -> 1, batch 1024, AdamW) on NSL-KDD with
 * normal + dos as training rows and as many synthetic anomalies: seconds per epoch and rows per
 * second on each backend that starts here. Prints a markdown table.
 *
 *   npm run bench:speed [-- --epochs 5] [--backends wasm,cpu]
 */
import * as path from 'path';
import { loadDataset } from '../src/core/data';
import { Detector } from '../src/core/detector';
import type { BackendName } from '../src/core/backend';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const arg = (name: string): string | undefined => { const i = process.argv.indexOf(name); return i < 0 ? undefined : process.argv[i + 1]; };
  const epochs = Number(arg('--epochs') ?? 5);
  const backends = (arg('--backends') ?? 'wasm').split(',') as BackendName[];
  const data = await loadDataset(path.join(ROOT, 'data/nslkdd-train.csv'), { label: 'family', normal: 'normal', drop: ['attack'] });
  const rows: string[] = ['| backend | input width | rows per epoch | s/epoch (median) | rows/s |', '|---|---:|---:|---:|---:|'];
  for (const backend of backends) {
    // One process can switch backends; each detector initialises its own weights on the chosen one.
    const det = new Detector({ known: ['dos'], epochs, patience: 0, backend, seed: 0 });
    await det.fit(data, { onEpoch: (p) => process.stderr.write(`${backend} epoch ${p.epoch}: ${p.seconds.toFixed(2)} s\n`) });
    const s = det.fitted.summary;
    // The first epoch includes warm-up (kernel compilation, allocations); the median is the steady state.
    const times = s.history.map((h) => h.seconds).sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const perEpoch = s.trainRows + s.syntheticRows;
    rows.push(`| ${s.backend} | ${det.fitted.encoder.features.reduce((a, f) => a + (f.kind === 'categorical' ? f.categories.length : 1), 0)} | ` +
      `${perEpoch} | ${median.toFixed(2)} | ${Math.round(perEpoch / median)} |`);
    det.dispose();
  }
  process.stdout.write(`NSL-KDD (known: dos), MLP 500-500, batch 1024, ${epochs} epochs per backend\n\n${rows.join('\n')}\n`);
}

main().catch((err) => { process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`); process.exit(1); });
