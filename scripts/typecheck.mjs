// Type-checks the tsconfigs that `tsc -p .` (Node code, tests, benches: emits out/) does not cover: the
// webview renderer (DOM, no Node types) and src/common (neither DOM nor Node). npm run build runs it.
//
//   node scripts/typecheck.mjs          src/common and src/renderer
//   node scripts/typecheck.mjs --all    also each Node folder on its own (src/core, src/export, src/presentation,
//                                       src/kernel, src/extension, src/cli, src/intellisense): npm run typecheck
//
// Each program holds the tsconfig's files and everything they import, type-only imports included. So
// `tsc -p src/renderer` also checks the src/presentation and src/core modules the renderer takes (chartConfig,
// reportTable, the report and dataset summary types) without Node types: any of them reaching for Node fails here.
import ts from 'typescript';
import { dirname, join, resolve } from 'path';
import { fileURLToPath } from 'url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NODE_FOLDERS = ['core', 'export', 'presentation', 'kernel', 'extension', 'cli', 'intellisense'];
const projects = [
  { dir: 'src/common' },
  { dir: 'src/renderer' },
  ...(process.argv.includes('--all') ? NODE_FOLDERS.map((f) => ({ dir: `src/${f}` })) : []),
];

const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
let failed = 0;
for (const { dir } of projects) {
  const file = join(ROOT, dir, 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(
    file,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (config.errors.length) {
    process.stderr.write(ts.formatDiagnostics(config.errors, formatHost));
    failed++;
    continue;
  }
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length) {
    process.stderr.write(ts.formatDiagnostics(diagnostics, formatHost));
    failed++;
  }
}
if (failed) {
  console.error(`type-check failed in ${failed} of ${projects.length} tsconfigs`);
  process.exit(1);
}
