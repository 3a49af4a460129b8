// ESLint (flat config): typescript-eslint's recommended rules, less the few that would mean large rewrites,
// and the import boundaries between SynthAD's folders (README.md, Layout). `npm run lint`; `npm test` runs it.
//
// Boundaries (rule synthad/boundaries, below): each folder runs somewhere (Node, the VS Code extension host, a
// webview) and may import only what runs there. Checked: import/export declarations, `import x = require()`,
// `require('…')`, `import('…')` and `typeof import('…')` with a literal path. Relative paths are resolved, so
// '../core/backend' and '../../core/backend.ts' are the same module. Only direct imports are checked: what a
// permitted module imports in turn is that module's folder's business.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** What a module specifier names: a Node built-in, a package, or a file of this repository (relative to ROOT). */
function classify(spec, fromFile) {
  if (spec.startsWith('node:') || NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split('/')[0]))
    return { kind: 'builtin' };
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const abs = path.resolve(path.dirname(fromFile), spec);
    return {
      kind: 'file',
      rel: path
        .relative(ROOT, abs)
        .split(path.sep)
        .join('/')
        .replace(/\.(ts|js|mjs|cjs|json)$/, ''),
    };
  }
  const parts = spec.split('/');
  return { kind: 'package', name: spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] };
}

/**
 * options: { layer, reason, builtins: boolean (forbid Node built-ins), packages: string[] (names; 'scope/*'
 * for a whole scope; '*' for every package), paths: string[] (repository paths, a folder or a file without its
 * extension), allowTypeImports: boolean (type-only imports of packages and files pass) }
 */
const boundaries = {
  meta: {
    type: 'problem',
    schema: [{ type: 'object', additionalProperties: true }],
    messages: { forbidden: '{{layer}} must not import {{what}}: {{reason}}' },
  },
  create(context) {
    const o = context.options[0] ?? {};
    const file = context.filename;
    const check = (node, source, typeOnly) => {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const target = classify(source.value, file);
      // A type-only import is erased from the output; Node built-ins stay forbidden even so.
      if (typeOnly && o.allowTypeImports && target.kind !== 'builtin') return;
      let what;
      if (target.kind === 'builtin' && o.builtins) what = `'${source.value}' (a Node built-in)`;
      else if (
        target.kind === 'package' &&
        (o.packages ?? []).some(
          (p) => p === '*' || p === target.name || (p.endsWith('/*') && target.name.startsWith(p.slice(0, -1))),
        )
      )
        what = `'${source.value}'`;
      else if (target.kind === 'file') {
        const hit = (o.paths ?? []).find((p) => target.rel === p || target.rel.startsWith(`${p}/`));
        if (hit) what = `'${source.value}' (${hit})`;
      }
      if (what)
        context.report({ node: source, messageId: 'forbidden', data: { layer: o.layer, what, reason: o.reason } });
    };
    return {
      ImportDeclaration: (n) =>
        check(
          n,
          n.source,
          n.importKind === 'type' || (n.specifiers.length > 0 && n.specifiers.every((s) => s.importKind === 'type')),
        ),
      ExportNamedDeclaration: (n) => check(n, n.source, n.exportKind === 'type'),
      ExportAllDeclaration: (n) => check(n, n.source, n.exportKind === 'type'),
      ImportExpression: (n) => check(n, n.source, false),
      TSImportType: (n) => check(n, n.argument?.type === 'TSLiteralType' ? n.argument.literal : n.argument, true),
      TSExternalModuleReference: (n) => check(n, n.expression, false),
      CallExpression: (n) => {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments.length === 1)
          check(n, n.arguments[0], false);
      },
    };
  },
};

const boundary = (files, options) => ({ files, rules: { 'synthad/boundaries': ['error', options] } });
const ALL_SRC = [
  'src/core',
  'src/export',
  'src/presentation',
  'src/common',
  'src/kernel',
  'src/extension',
  'src/renderer',
  'src/cli',
  'src/intellisense',
  'src/tsplugin',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'out/',
      'dist/',
      'media/',
      '.harness/',
      'test-artifacts/',
      'bench/results/',
      'tmp/',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { synthad: { rules: { boundaries } } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `const { scores, ...rest } = r` drops fields on purpose; `_name` marks an unused parameter.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Off, on purpose:
      // - require() is how SynthAD loads heavy or optional modules lazily (TensorFlow.js, tfjs-node, danfojs,
      //   koffi, @napi-rs/canvas, chart.js: the kernel starts without them); synthad/boundaries checks require() too.
      '@typescript-eslint/no-require-imports': 'off',
      // - Hostile-input handling strips control characters with regular expressions that name them.
      'no-control-regex': 'off',
      // - Tests match formatted text whose runs of spaces are the point (`102  score`).
      'no-regex-spaces': 'off',
    },
  },
  // Tests reach into internals and hand-made hostile objects.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Ambient declarations (src/core/webassembly.d.ts) declare globals with `var`.
  { files: ['**/*.d.ts'], rules: { 'no-var': 'off' } },

  // --- import boundaries ---------------------------------------------------------------------------------------
  boundary(['src/renderer/**/*.ts'], {
    layer: 'src/renderer',
    reason:
      'the renderer runs in the webview (no Node); it imports src/common and the DOM- and Node-free parts of src/presentation',
    builtins: true,
    packages: ['vscode', '@tensorflow/*', 'danfojs-node', '@napi-rs/canvas', 'koffi', 'papaparse', 'typescript'],
    paths: [
      'src/core',
      'src/kernel',
      'src/extension',
      'src/cli',
      'src/intellisense',
      'src/presentation/png',
      'src/presentation/htmlReport',
      'src/presentation/csvOutput',
    ],
    // `import type` from src/core (the report and dataset summaries) is erased from the bundle; that the modules it
    // names stay free of Node is checked by src/renderer/tsconfig.json (no Node types), which type-checks them too.
    allowTypeImports: true,
  }),
  boundary(['src/common/**/*.ts'], {
    layer: 'src/common',
    reason: 'it is shared by the host, the kernel and the webview renderer, so it imports nothing outside src/common',
    builtins: true,
    packages: ['*'],
    paths: ALL_SRC.filter((p) => p !== 'src/common'),
  }),
  boundary(['src/core/**/*.ts'], {
    layer: 'src/core',
    reason: 'the method runs anywhere Node does (CLI, kernel, benches) and knows nothing of its shells',
    packages: ['vscode', 'chart.js', '@napi-rs/canvas'],
    paths: ['src/kernel', 'src/extension', 'src/presentation', 'src/renderer', 'src/cli', 'src/intellisense'],
  }),
  boundary(['src/export/**/*.ts'], {
    layer: 'src/export',
    reason: 'model exporters run wherever the core does and depend on no shell',
    packages: ['vscode', 'chart.js', '@napi-rs/canvas'],
    paths: ['src/kernel', 'src/extension', 'src/presentation', 'src/renderer', 'src/cli', 'src/intellisense'],
    allowTypeImports: true,
  }),
  boundary(['src/presentation/**/*.ts'], {
    layer: 'src/presentation',
    reason: 'charts, reports and exports serve the kernel, the CLI and the renderer, and depend on none of them',
    packages: ['vscode'],
    paths: ['src/kernel', 'src/extension', 'src/renderer', 'src/cli'],
  }),
  // The kernel process: one per notebook, started by the host (src/extension/kernelSession.ts) and spoken to only
  // through src/common/protocol.ts. The cell API's types live here (cellApi.ts); IntelliSense reads their emitted
  // declarations, so no import runs from the kernel to src/intellisense or back (no cycle).
  boundary(['src/kernel/**/*.ts'], {
    layer: 'src/kernel (the kernel process)',
    reason:
      'the kernel runs none of the host: it talks to the extension host through src/common/protocol, and owns the cell API types IntelliSense reads',
    packages: ['vscode', 'typescript'],
    paths: ['src/extension', 'src/intellisense', 'src/renderer', 'src/cli', 'src/tsplugin'],
  }),
  // The IntelliSense thread: TypeScript over a notebook's cells. It reads the cell API as emitted declarations
  // (dist/types, from src/kernel/cellApi.ts), never as an import: loading the kernel or the core here would be waste.
  boundary(['src/intellisense/**/*.ts'], {
    layer: 'src/intellisense (the IntelliSense thread)',
    reason:
      'the language service reads the cell API as declarations (dist/types), it loads no kernel, core or presentation code',
    packages: ['vscode', '@tensorflow/*', 'danfojs-node', 'chart.js', '@napi-rs/canvas', 'koffi'],
    paths: ['src/kernel', 'src/core', 'src/export', 'src/presentation', 'src/extension', 'src/renderer', 'src/cli'],
  }),
  // The host may still `import type` from anywhere: types are erased, nothing loads.
  boundary(['src/extension/**/*.ts'], {
    layer: 'src/extension (the extension host)',
    reason:
      'the host stays lean: training, TensorFlow.js and charts run in the kernel process (src/kernel, entry src/kernel/main.ts), the host talks to it through src/extension/kernelSession',
    packages: ['@tensorflow/*', 'danfojs-node', 'chart.js', '@napi-rs/canvas', 'koffi'],
    paths: [
      'src/core/backend',
      'src/core/mlp',
      'src/core/blas',
      'src/core/blasMlp',
      'src/core/parallel',
      'src/core/parallelWorker',
      'src/core/detector',
      'src/core/detectors',
      'src/core/train',
      'src/kernel',
      'src/presentation',
      'src/export',
      'src/renderer',
      'src/cli',
    ],
    allowTypeImports: true,
  }),
);
