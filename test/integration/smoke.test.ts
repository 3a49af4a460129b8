/**
 * Smoke test in a real VS Code extension host: the extension loads, activates and registers its commands.
 */
import { strict as assert } from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'synthad.synthad';

describe('SynthAD extension (smoke)', () => {
  it('is present, activates and registers synthad.showBackend', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    // The extension activates when a notebook opens (activationEvents: onNotebook:jupyter-notebook) and this
    // test opens none, so nothing has activated it yet: do it here.
    await ext.activate();
    assert.equal(ext.isActive, true, 'extension did not activate');

    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('synthad.showBackend'), 'command synthad.showBackend is not registered');
  });
});
