/**
 * VS Code glue. The notebook kernel and the guided commands arrive with the kernel work; for now the
 * extension offers the compute backend report, so users can see which TensorFlow.js backend trains.
 */
import * as vscode from 'vscode';
import { selectBackend } from '../core/backend';
import { SYNTHAD_VERSION } from '../core/version';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('synthad.showBackend', async () => {
      const setting = vscode.workspace.getConfiguration('synthad').get<string>('backend', 'auto');
      try {
        const choice = await selectBackend(setting as 'auto');
        const skipped = choice.skipped.length ? ` (skipped: ${choice.skipped.join('; ')})` : '';
        void vscode.window.showInformationMessage(`SynthAD ${SYNTHAD_VERSION} trains on the ${choice.backend} backend${skipped}.`);
      } catch (err) {
        void vscode.window.showErrorMessage(`SynthAD: ${(err as Error).message}`);
      }
    }),
  );
}

export function deactivate(): void {
  // Nothing to release: commands are disposed through context.subscriptions.
}
