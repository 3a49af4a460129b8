/**
 * Fixtures the unit tests (plain Node) and the integration tests (VS Code's extension host) share. No imports,
 * so either side can load it.
 */

/** The template notebook's code cells (src/extension/template.ts), in order: cell0 … cell7. */
export const TEMPLATE_CELLS: ReadonlyArray<string> = [
  "const train = await load('samples/thyroid-train.csv', { label: 'class', normal: 'normal' });\ntrain",
  "const test = await load('samples/thyroid-test.csv', { label: 'class', normal: 'normal' });\ntest",
  "const det = await new Detector({ known: ['hyperfunction'], seed: 0 }).fit(train);\ndet",
  'const rep = det.evaluate(test);\nrep',
  'plot.training(det)',
  'plot.scores(rep)',
  'plot.roc(rep)',
  'plot.pr(rep)',
];
