/**
 * Benchmark, not a regular test: the extension host's event-loop lag while a cell trains on NSL-KDD.
 * Defined only when SYNTHAD_IT_BENCH=responsiveness (npm run bench:responsiveness); it prints the
 * figures and writes them to SYNTHAD_IT_ARTIFACTS/responsiveness.json. It asserts only that training ran.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { api, notebookWith, allText } from './helpers';

if (process.env.SYNTHAD_IT_BENCH === 'responsiveness') {
  describe('responsiveness benchmark', () => {
    it('measures event-loop lag in the extension host while a cell trains on NSL-KDD', async () => {
      const ext = await api();
      const data = path.resolve(__dirname, '..', '..', '..', 'data', 'nslkdd-train.csv');
      const epochs = Number(process.env.SYNTHAD_BENCH_EPOCHS ?? 20);
      const editor = await notebookWith([
        `const kdd = await load(${JSON.stringify(data)}, { label: 'family', normal: 'normal', drop: ['attack'] });\n` +
        `const det = await new Detector({ known: ['dos'], epochs: ${epochs}, patience: ${epochs} }).fit(kdd);\ndet.fitted.summary`,
      ]);
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      const t0 = Date.now();
      const [result] = await ext.kernel.execute([editor.notebook.cellAt(0)], editor.notebook);
      histogram.disable();
      const seconds = (Date.now() - t0) / 1000;
      assert.ok(result.ok, allText(editor.notebook.cellAt(0)));
      const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
      const figures = {
        seconds, epochs, samples: histogram.count,
        p50Ms: ms(histogram.percentile(50)), p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max),
        summary: allText(editor.notebook.cellAt(0)).split('\n').filter((l) => /secondsPerEpoch|rowsPerSecond|backend|seconds:/.test(l)).join(' '),
      };
      console.log(`event-loop lag while training on NSL-KDD (${epochs} epochs, ${seconds.toFixed(0)} s): ` +
        `p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms`);
      const artifacts = process.env.SYNTHAD_IT_ARTIFACTS;
      if (artifacts) {
        fs.mkdirSync(artifacts, { recursive: true });
        fs.writeFileSync(path.join(artifacts, 'responsiveness.json'), JSON.stringify(figures, null, 2) + '\n');
      }
    });
  });
}
