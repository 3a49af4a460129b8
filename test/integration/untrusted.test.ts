/**
 * Restricted Mode: run by the harness in a second VS Code started without --disable-workspace-trust
 * (SYNTHAD_IT_UNTRUSTED=1, grep "untrusted"); the trusted run leaves this suite out by an inverted grep.
 */
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import { api, ERROR, notebookWith, outputsOf, waitFor } from './helpers';

describe('SynthAD in an untrusted workspace', () => {
  it('runs no cell and tells the user why', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this suite needs a workspace VS Code does not trust');
    const { kernel } = await api();
    const editor = await notebookWith(["require('fs').writeFileSync('/tmp/synthad-untrusted-ran', 'x'); 1"]);
    const [result] = await kernel.execute([editor.notebook.cellAt(0)], editor.notebook);
    assert.equal(result.ok, false);
    const error = JSON.parse(outputsOf(editor.notebook.cellAt(0), ERROR)[0]) as { name: string; message: string };
    assert.equal(error.name, 'Restricted Mode');
    assert.match(error.message, /SynthAD runs no cells in an untrusted workspace/);
    await waitFor('the cell to be marked failed', () => editor.notebook.cellAt(0).executionSummary?.success === false, 10000);
    assert.equal(kernel.hasSession(editor.notebook), false, 'no worker was started');
  });
});
