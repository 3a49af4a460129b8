/**
 * Entry point VS Code loads in the extension host when it runs the integration tests
 * (extensionTestsPath = out/test/integration/index.js). Both runners use it: the offline
 * code-server harness (test/integration/run-code-server.js) and @vscode/test-electron
 * (test/electron/run.ts).
 *
 * Environment (set by the runners on the code-server / VS Code process):
 *   SYNTHAD_IT_GREP    optional mocha grep pattern
 *   SYNTHAD_IT_INVERT  '1': run the tests that do NOT match the grep
 *   SYNTHAD_IT_RESULT  where to write {"passed":N,"failed":N} once the run ends
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const grep = process.env.SYNTHAD_IT_GREP || undefined;
  const invert = process.env.SYNTHAD_IT_INVERT === '1';
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    timeout: 10 * 60 * 1000,
    grep,
    invert: Boolean(grep) && invert,
  });

  const files = fs
    .readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js'))
    .sort();
  for (const name of files) mocha.addFile(path.join(__dirname, name));

  return new Promise<void>((resolve, reject) => {
    let passed = 0;
    let failed = 0;
    try {
      const runner = mocha.run();
      runner.on('pass', () => passed++);
      // 'fail' also fires for failing hooks, which then count as one failure each.
      runner.on('fail', () => failed++);
      runner.on('end', () => {
        const resultPath = process.env.SYNTHAD_IT_RESULT;
        if (resultPath) fs.writeFileSync(resultPath, JSON.stringify({ passed, failed }) + '\n');
        if (failed > 0) reject(new Error(`${failed} integration test(s) failed`));
        else resolve();
      });
    } catch (err) {
      // A test file that throws while loading lands here; no result file means the runner reports failure.
      reject(err);
    }
  });
}
