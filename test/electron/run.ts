/**
 * Runs the integration tests (out/test/integration/index.js) in desktop VS Code through
 * @vscode/test-electron. It downloads VS Code, so it needs internet access: use it on a developer
 * machine or hosted CI. Offline, use test/integration/run-code-server.js instead.
 *
 * Usage: npm run test:electron [-- --grep PATTERN]
 * Environment: VSCODE_VERSION (default 1.100.3, the version the code-server harness runs),
 * SYNTHAD_IT_SETTINGS (JSON user settings), SYNTHAD_IT_UNTRUSTED=1 (leave workspace trust on).
 * Last line printed: `integration: N passed, N failed`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

// Compiled to out/test/electron/run.js: the repository root is three levels up.
const ROOT = path.resolve(__dirname, '..', '..', '..');

function parseGrep(argv: string[]): string {
  let grep = process.env.SYNTHAD_IT_GREP ?? '';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--grep' && i + 1 < argv.length) grep = argv[++i];
    else if (argv[i].startsWith('--grep=')) grep = argv[i].slice('--grep='.length);
    else throw new Error(`unknown argument: ${argv[i]} (usage: run.js [--grep PATTERN])`);
  }
  return grep;
}

async function main(): Promise<number> {
  const grep = parseGrep(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synthad-electron-'));
  const userData = path.join(tmp, 'user-data');
  const workspace = path.join(tmp, 'workspace');
  const result = path.join(tmp, 'result.json');
  const artifacts = path.join(ROOT, 'test-artifacts');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const template = path.join(ROOT, 'test', 'integration', 'workspace');
  if (fs.existsSync(template)) fs.cpSync(template, workspace, { recursive: true });
  else fs.mkdirSync(workspace);
  if (process.env.SYNTHAD_IT_SETTINGS) {
    const settings: unknown = JSON.parse(process.env.SYNTHAD_IT_SETTINGS);
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
  }

  const launchArgs = [workspace, '--user-data-dir', userData, '--extensions-dir', path.join(tmp, 'extensions')];
  if (process.env.SYNTHAD_IT_UNTRUSTED !== '1') launchArgs.push('--disable-workspace-trust');

  let exitError: unknown;
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out', 'test', 'integration', 'index.js'),
      launchArgs,
      extensionTestsEnv: {
        SYNTHAD_IT_GREP: grep,
        SYNTHAD_IT_RESULT: result,
        SYNTHAD_IT_WORKSPACE: workspace,
        SYNTHAD_IT_ARTIFACTS: artifacts,
      },
    });
  } catch (err) {
    // runTests rejects when VS Code exits non-zero (failed tests) or cannot be downloaded/started.
    exitError = err;
  }

  let passed = 0;
  let failed = 1;
  try {
    const data = JSON.parse(fs.readFileSync(result, 'utf8')) as { passed: number; failed: number };
    passed = data.passed;
    failed = data.failed === 0 && exitError ? 1 : data.failed;
  } catch {
    console.error(
      `no test result: ${exitError instanceof Error ? exitError.message : String(exitError ?? 'the tests did not finish')}`,
    );
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`integration: ${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    console.log('integration: 0 passed, 1 failed');
    process.exit(1);
  },
);
