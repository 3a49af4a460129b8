/**
 * VS Code glue: the notebook kernel, the commands and the compute-backend report. Everything that
 * computes lives in src/core and src/kernel.
 */
import * as vscode from 'vscode';
import { describeBackend, resolveThreads, selectBackend } from '../core/backend';
import { SYNTHAD_VERSION } from '../core/version';
import { SynthadKernel } from './kernel';
import { registerCommands } from './commands';

export interface SynthadApi {
  readonly kernel: SynthadKernel;
}

export function activate(context: vscode.ExtensionContext): SynthadApi {
  const kernel = new SynthadKernel(context.extensionUri);
  context.subscriptions.push(kernel);
  registerCommands(context, kernel);
  context.subscriptions.push(registerChartSaving());
  context.subscriptions.push(
    vscode.commands.registerCommand('synthad.showBackend', async () => {
      const cfg = vscode.workspace.getConfiguration('synthad');
      try {
        const choice = await selectBackend(cfg.get<'auto'>('backend', 'auto'));
        const detail = describeBackend(choice, resolveThreads(cfg.get<number>('threads', 0)));
        const skipped = choice.skipped.length ? ` (skipped: ${choice.skipped.join('; ')})` : '';
        const hint = choice.hint ? ` ${choice.hint}.` : '';
        void vscode.window.showInformationMessage(`SynthAD ${SYNTHAD_VERSION} trains on ${detail}${skipped}.${hint}`);
        return detail;
      } catch (err) {
        void vscode.window.showErrorMessage(`SynthAD: ${(err as Error).message}`);
        return undefined;
      }
    }),
  );
  return { kernel };
}

/** The renderer's "Save PNG" button: webviews cannot download, so the chart's pixels come here. */
function registerChartSaving(): vscode.Disposable {
  const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
  return messaging.onDidReceiveMessage(async ({ message }) => {
    const m = message as { type?: string; name?: string; dataUrl?: string };
    if (m.type !== 'savePng' || typeof m.dataUrl !== 'string' || !m.dataUrl.startsWith('data:image/png;base64,')) return;
    const name = (m.name ?? 'chart').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'chart';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      title: 'Save chart as PNG', filters: { 'PNG image': ['png'] }, ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${name}.png`) } : {}),
    });
    if (!uri) return;
    await vscode.workspace.fs.writeFile(uri, Buffer.from(m.dataUrl.slice(m.dataUrl.indexOf(',') + 1), 'base64'));
  });
}

export const RENDERER_ID = 'synthad-renderer';

export function deactivate(): void {
  // The kernel and commands are disposed through context.subscriptions.
}
