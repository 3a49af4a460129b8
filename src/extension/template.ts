/**
 * Notebooks the extension creates: the anomaly-detection template and empty SynthAD notebooks. Both
 * carry the kernelspec and language_info, so VS Code (here or a teammate's) picks the SynthAD kernel again.
 */
import * as vscode from 'vscode';
import { KERNELSPEC, LANGUAGE_INFO } from './kernelController';

export function notebookMetadata(): Record<string, unknown> {
  return {
    cells: [],
    metadata: { kernelspec: { ...KERNELSPEC }, language_info: { ...LANGUAGE_INFO } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

const code = (text: string): vscode.NotebookCellData =>
  new vscode.NotebookCellData(vscode.NotebookCellKind.Code, text, 'typescript');
const markdown = (text: string): vscode.NotebookCellData =>
  new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, text, 'markdown');

/** The template: load -> train -> evaluate -> plots, on the Thyroid sample bundled with the extension. */
export function templateNotebook(): vscode.NotebookData {
  const data = new vscode.NotebookData([
    markdown(
      [
        '# Anomaly detection with synthetic anomalies',
        '',
        'A classifier learns normal rows against a few **known** anomalies plus **synthetic anomalies** drawn',
        "over the data's box (Lau et al. 2025), so it also flags anomaly types it never saw.",
        'The Thyroid sample: train with `hyperfunction` known; `subnormal` stays unseen until the test.',
      ].join('\n'),
    ),
    code("const train = await load('samples/thyroid-train.csv', { label: 'class', normal: 'normal' });\ntrain"),
    code("const test = await load('samples/thyroid-test.csv', { label: 'class', normal: 'normal' });\ntest"),
    markdown(
      'Train the default detector: an ensemble of boosted trees (with and without synthetic anomalies) and an ' +
        "Isolation Forest, weighed on held-out known anomalies. `method: 'vcsa'` trains the paper's MLP instead.",
    ),
    code("const det = await new Detector({ known: ['hyperfunction'], seed: 0 }).fit(train);\ndet"),
    code('const rep = det.evaluate(test);\nrep'),
    code('plot.training(det)'),
    code('plot.scores(rep)'),
    code('plot.roc(rep)'),
    code('plot.pr(rep)'),
  ]);
  data.metadata = notebookMetadata();
  return data;
}

export function emptyNotebook(): vscode.NotebookData {
  const data = new vscode.NotebookData([code('')]);
  data.metadata = notebookMetadata();
  return data;
}
