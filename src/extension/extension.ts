/**
 * VS Code glue: the notebook kernel, the commands and the compute-backend report. Everything that
 * computes lives in src/core and src/kernel and runs in the notebook's kernel process: this bundle
 * (dist/extension.js) loads no TensorFlow.js, danfojs, chart.js or BLAS, so activation stays fast
 * (test/integration/activation.test.ts checks both).
 */
import { MODULE_LOAD_START } from './loadClock'; // first: marks when this bundle started to load
import * as vscode from 'vscode';
import { KernelController } from './kernelController';
import { registerCommands } from './commands';
import { registerIntellisense } from './intellisense';

/** Every module of the bundle has run (extension.ts's body runs after its imports). */
const MODULE_LOAD_END = performance.now();

export interface SynthadApi {
  readonly kernel: KernelController;
  /** When SynthAD's code loaded and activated, in the extension host's performance.now() (ms). */
  readonly activation: ActivationTimes;
}

export interface ActivationTimes {
  /** The bundle's first module started to run. */
  readonly moduleLoadStart: number;
  /** All its modules had run (VS Code then prepares the extension context before calling activate()). */
  readonly moduleLoadEnd: number;
  readonly activateStart: number;
  readonly activateEnd: number;
}

export function activate(context: vscode.ExtensionContext): SynthadApi {
  const started = performance.now();
  const kernel = new KernelController(context.extensionUri);
  context.subscriptions.push(kernel);
  registerCommands(context, kernel);
  context.subscriptions.push(registerIntellisense(kernel, context.extensionUri));
  context.subscriptions.push(registerChartSaving());
  context.subscriptions.push(
    vscode.commands.registerCommand('synthad.showBackend', async () => {
      try {
        // The kernel process picks the backend (the active notebook's kernel, or a short-lived one).
        const info = await kernel.backend(vscode.window.activeNotebookEditor?.notebook);
        const skipped = info.skipped.length ? ` (skipped: ${info.skipped.join('; ')})` : '';
        const hint = info.hint ? ` ${info.hint}.` : '';
        const version = (context.extension.packageJSON as { version?: string }).version ?? '';
        void vscode.window.showInformationMessage(`SynthAD ${version} trains on ${info.detail}${skipped}.${hint}`);
        return info.detail;
      } catch (err) {
        void vscode.window.showErrorMessage(`SynthAD: ${(err as Error).message}`);
        return undefined;
      }
    }),
  );
  return {
    kernel,
    activation: {
      moduleLoadStart: MODULE_LOAD_START,
      moduleLoadEnd: MODULE_LOAD_END,
      activateStart: started,
      activateEnd: performance.now(),
    },
  };
}

/** The renderer's "Save PNG" button: webviews cannot download, so the chart's pixels come here. */
function registerChartSaving(): vscode.Disposable {
  const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
  return messaging.onDidReceiveMessage(async ({ message }) => {
    const m = message as { type?: string; name?: string; dataUrl?: string };
    if (m.type !== 'savePng' || typeof m.dataUrl !== 'string' || !m.dataUrl.startsWith('data:image/png;base64,'))
      return;
    const name =
      (m.name ?? 'chart')
        .replace(/[^A-Za-z0-9_-]+/g, '-')
        .replace(/^-|-$/g, '')
        .toLowerCase() || 'chart';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      title: 'Save chart as PNG',
      filters: { 'PNG image': ['png'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${name}.png`) } : {}),
    });
    if (!uri) return;
    await vscode.workspace.fs.writeFile(uri, Buffer.from(m.dataUrl.slice(m.dataUrl.indexOf(',') + 1), 'base64'));
  });
}

export const RENDERER_ID = 'synthad-renderer';

export function deactivate(): void {
  // The kernel and commands are disposed through context.subscriptions.
}
