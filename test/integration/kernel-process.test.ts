/**
 * The kernel in its own process inside a real VS Code (code-server's extension host): a native crash,
 * process.exit and a memory blow-up in a cell end that notebook's kernel only. The cell says what happened
 * in one line, the next cell runs in a fresh kernel, another notebook keeps its variables, and the
 * extension host (where this test runs) is the same process throughout.
 */
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import { api, ERROR, notebookWith, outputsOf, runCells, waitFor } from './helpers';

function errorOf(cell: vscode.NotebookCell): { name: string; message: string } {
  const [text] = outputsOf(cell, ERROR);
  assert.ok(text, `cell ${cell.index} shows an error`);
  const { name, message } = JSON.parse(text) as { name: string; message: string };
  return { name, message };
}

describe('SynthAD kernel process in VS Code', () => {
  const hostPid = process.pid;

  it('a native crash (koffi memset on a null pointer) ends the cell with one line; the next cell runs in a fresh kernel; another notebook keeps its variables; the host lives', async () => {
    const { kernel } = await api();
    const other = await notebookWith(['const survivor = 41;', 'survivor + 1']);
    await runCells(other.notebook, 0, 1);
    const editor = await notebookWith([
      'const doomed = 1;',
      `const koffi = require(${JSON.stringify(require.resolve('koffi'))});\n` +
        "const memset = koffi.load('libc.so.6').func('void *memset(void *s, int c, size_t n)');\nmemset(null, 1, 64);",
      'typeof doomed',
    ]);
    const nb = editor.notebook;
    await runCells(nb, 0, 1);
    const before = kernel.session(nb).pid;
    assert.notEqual(before, hostPid, 'the kernel is not the extension host');
    await runCells(nb, 1, 2);
    assert.equal(nb.cellAt(1).executionSummary?.success, false);
    assert.deepEqual(errorOf(nb.cellAt(1)), {
      name: 'KernelDied',
      message: 'The kernel died (segmentation fault, SIGSEGV); it was restarted and all variables were cleared.',
    });
    await runCells(nb, 2, 3);
    assert.deepEqual(outputsOf(nb.cellAt(2), 'text/plain'), ["'undefined'"]);
    assert.notEqual(kernel.session(nb).pid, before);
    await runCells(other.notebook, 1, 2);
    assert.deepEqual(outputsOf(other.notebook.cellAt(1), 'text/plain'), ['42']);
    assert.equal(process.pid, hostPid);
  });

  it('SIGSEGV and process.exit(3) in a cell: the same recovery; a queued cell is skipped', async () => {
    const editor = await notebookWith([
      "process.kill(process.pid, 'SIGSEGV');\nawait new Promise((r) => setTimeout(r, 5000));",
      '1 + 1',
      'process.exit(3)',
      '2 + 2',
    ]);
    const nb = editor.notebook;
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 2 }], document: nb.uri });
    await waitFor('the crashing cell to end', () => nb.cellAt(0).executionSummary?.success !== undefined, 30000);
    assert.equal(
      errorOf(nb.cellAt(0)).message,
      'The kernel died (segmentation fault, SIGSEGV); it was restarted and all variables were cleared.',
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.notEqual(nb.cellAt(1).executionSummary?.success, true, 'the queued cell did not run');
    assert.deepEqual(outputsOf(nb.cellAt(1), 'text/plain'), []);
    await runCells(nb, 2, 3);
    assert.equal(
      errorOf(nb.cellAt(2)).message,
      'The kernel died (it exited with code 3); it was restarted and all variables were cleared.',
    );
    await runCells(nb, 3, 4);
    assert.deepEqual(outputsOf(nb.cellAt(3), 'text/plain'), ['4']);
    assert.equal(process.pid, hostPid);
  });

  it('a cell that allocates without bound hits synthad.kernelMemoryMB, named in the message', async () => {
    const config = vscode.workspace.getConfiguration('synthad');
    await config.update('kernelMemoryMB', 400, vscode.ConfigurationTarget.Global);
    try {
      const editor = await notebookWith([
        'const hoard: Float64Array[] = [];\nwhile (true) hoard.push(new Float64Array(1 << 20).fill(1));',
        '6 * 7',
      ]);
      const nb = editor.notebook;
      await runCells(nb, 0, 1);
      const e = errorOf(nb.cellAt(0));
      assert.equal(e.name, 'KernelDied');
      assert.match(
        e.message,
        /^The kernel died \(it used \d+ MB of memory, more than its limit of 400 MB, setting synthad\.kernelMemoryMB\); it was restarted and all variables were cleared\.$/,
      );
      await runCells(nb, 1, 2);
      assert.deepEqual(outputsOf(nb.cellAt(1), 'text/plain'), ['42']);
    } finally {
      await config.update('kernelMemoryMB', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.equal(process.pid, hostPid);
  });
});
