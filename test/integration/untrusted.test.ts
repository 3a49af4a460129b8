/**
 * Restricted Mode: run by the harness in a second VS Code started without --disable-workspace-trust
 * (SYNTHAD_IT_UNTRUSTED=1, grep "untrusted"); the trusted run leaves this suite out by an inverted grep.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, ERROR, notebookWith, outputsOf, waitFor } from './helpers';

describe('SynthAD in an untrusted workspace', () => {
  it('runs no cell and tells the user why', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this suite needs a workspace VS Code does not trust');
    const { kernel } = await api();
    // The canary: a file the cell would create if it ran. Fresh per run, so a leftover cannot pass or fail it.
    const canary = path.join(os.tmpdir(), `synthad-untrusted-canary-${process.pid}-${Date.now()}`);
    assert.equal(fs.existsSync(canary), false, `the canary ${canary} exists before the cell`);
    try {
      const editor = await notebookWith([`require('fs').writeFileSync(${JSON.stringify(canary)}, 'ran'); 1`]);
      const [result] = await kernel.execute([editor.notebook.cellAt(0)], editor.notebook);
      assert.equal(result.ok, false);
      const error = JSON.parse(outputsOf(editor.notebook.cellAt(0), ERROR)[0]) as { name: string; message: string };
      assert.equal(error.name, 'Restricted Mode');
      assert.match(error.message, /SynthAD runs no cells in an untrusted workspace/);
      await waitFor(
        'the cell to be marked failed',
        () => editor.notebook.cellAt(0).executionSummary?.success === false,
        10000,
      );
      assert.equal(kernel.hasSession(editor.notebook), false, 'no worker was started');
      // Give a cell that ran anyway (in some process the test does not see) time to write the file.
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(fs.existsSync(canary), false, `the cell ran: it created ${canary}`);
    } finally {
      fs.rmSync(canary, { force: true });
    }
  });
});
