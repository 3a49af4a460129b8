/**
 * Helpers for tests inside the VS Code extension host.
 */
import * as vscode from 'vscode';
import type { SynthadApi } from '../../src/extension/extension';
import { CONTROLLER_ID, NOTEBOOK_TYPE } from '../../src/extension/kernelController';
import { notebookMetadata } from '../../src/extension/template';

export const EXTENSION_ID = 'synthad.synthad';

export async function api(): Promise<SynthadApi> {
  const ext = vscode.extensions.getExtension<SynthadApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 60000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An untitled SynthAD notebook with these TypeScript cells, shown, with the SynthAD kernel selected. */
export async function notebookWith(cells: string[]): Promise<vscode.NotebookEditor> {
  const data = new vscode.NotebookData(
    cells.map((c) => new vscode.NotebookCellData(vscode.NotebookCellKind.Code, c, 'typescript')),
  );
  data.metadata = notebookMetadata();
  const nb = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, data);
  const editor = await vscode.window.showNotebookDocument(nb);
  await selectKernel(editor);
  return editor;
}

export async function selectKernel(editor: vscode.NotebookEditor): Promise<void> {
  const { kernel } = await api();
  if (!kernel.isSelected(editor.notebook)) {
    await vscode.commands.executeCommand('notebook.selectKernel', {
      editor,
      id: CONTROLLER_ID,
      extension: EXTENSION_ID,
    });
  }
  await waitFor('the SynthAD kernel to be selected', () => kernel.isSelected(editor.notebook), 10000);
}

/** Runs cells [start, end) through VS Code's own command and waits until each has finished. */
export async function runCells(nb: vscode.NotebookDocument, start: number, end: number, ms = 120000): Promise<void> {
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start, end }], document: nb.uri });
  await waitFor(
    `cells ${start}..${end - 1} to finish`,
    () => {
      for (let i = start; i < end; i++) if (nb.cellAt(i).executionSummary?.success === undefined) return false;
      return true;
    },
    ms,
  );
}

/** All output items of a cell with the given MIME type, decoded as text. */
export function outputsOf(cell: vscode.NotebookCell, mime: string): string[] {
  const out: string[] = [];
  for (const o of cell.outputs)
    for (const item of o.items) if (item.mime === mime) out.push(new TextDecoder().decode(item.data));
  return out;
}

/** Every text a cell shows: stdout, stderr, text/plain, markdown, html and error messages, joined. */
export function allText(cell: vscode.NotebookCell): string {
  return cell.outputs.flatMap((o) => o.items.map((i) => new TextDecoder().decode(i.data))).join('\n');
}

export const STDOUT = 'application/vnd.code.notebook.stdout';
export const STDERR = 'application/vnd.code.notebook.stderr';
export const ERROR = 'application/vnd.code.notebook.error';
