// Bundles the extension and the CLI with esbuild, and copies the tfjs WASM binaries next to them
// (the backend looks for dist/wasm first).
//
//   node scripts/bundle.mjs                 development build (npm run build): dist/ and media/renderer.js in
//                                           the repository, run with the repository's node_modules
//   node scripts/bundle.mjs --minify        the same, minified
//   node scripts/bundle.mjs --production --outdir DIR
//                                           the build that goes into the VSIX (scripts/package.mjs): DIR/dist and
//                                           DIR/media/renderer.js, minified, no source maps, everything bundled
//                                           but the native modules (see `production` below)
//
// Development build: TensorFlow.js, tfjs-backend-wasm and danfojs-node stay in node_modules, so the core and
// danfojs share one TensorFlow.js instance (two copies in one thread register every kernel twice) and an
// installed tfjs-node registers its backend on that same instance.
//
// Production build: no node_modules but the native ones (koffi, @napi-rs/canvas), so
//   - @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are bundled into each bundle that uses them (one copy
//     per bundle; every bundle runs in its own thread: extension host, kernel process, IntelliSense thread, worker threads);
//   - danfojs-node is bundled on its own into dist/danfo.js, loaded lazily (it takes most of a second) from
//     the bundle that asks for it, and its TensorFlow.js is that bundle's instance, handed over through a
//     global symbol: `dfd.tensor(...)` and the cells' `tf` are one library;
//   - @tensorflow/tfjs-node (native libtensorflow, an optional dependency) is not shipped: requiring it
//     throws a one-line reason, and the `auto` backend goes on to blas/wasm as on a machine without it.
import { build } from 'esbuild';
import { execFile } from 'child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'fs';
import { createRequire } from 'module';
import { dirname, join, resolve } from 'path';
import { fileURLToPath, pathToFileURL } from 'url';

const require = createRequire(import.meta.url);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the bundles' TensorFlow.js instance is handed to dist/danfo.js. */
const TFJS_SYMBOL = 'synthad.tfjs';

/** In the production bundles: `require('danfojs-node')` loads dist/danfo.js lazily, with this bundle's tfjs. */
const lazyDanfo = {
  name: 'synthad-lazy-danfo',
  setup(b) {
    b.onResolve({ filter: /^danfojs-node$/ }, () => ({ path: 'danfojs-node', namespace: 'synthad-lazy-danfo' }));
    b.onLoad({ filter: /.*/, namespace: 'synthad-lazy-danfo' }, () => ({
      resolveDir: ROOT,
      loader: 'js',
      contents: [
        `globalThis[Symbol.for(${JSON.stringify(TFJS_SYMBOL)})] = require('@tensorflow/tfjs');`,
        // A path built at run time: esbuild leaves this require alone.
        `module.exports = require(require('path').join(__dirname, 'danfo.js'));`,
      ].join('\n'),
    }));
  },
};

/** In dist/danfo.js: danfojs-node's `require('@tensorflow/tfjs-node')` (and tfjs) is the loading bundle's tfjs. */
const sharedTfjs = {
  name: 'synthad-shared-tfjs',
  setup(b) {
    b.onResolve({ filter: /^@tensorflow\/tfjs(-node|-core)?$/ }, (a) => ({
      path: a.path,
      namespace: 'synthad-shared-tfjs',
    }));
    b.onLoad({ filter: /.*/, namespace: 'synthad-shared-tfjs' }, () => ({
      loader: 'js',
      contents: [
        `const tf = globalThis[Symbol.for(${JSON.stringify(TFJS_SYMBOL)})];`,
        `if (!tf) throw new Error('danfo.js is loaded through require("danfojs-node") in a SynthAD bundle, which hands it TensorFlow.js');`,
        'module.exports = tf;',
      ].join('\n'),
    }));
  },
};

/** In the production bundles: tfjs-node is not shipped; say so instead of "Cannot find module". */
const noTfjsNode = {
  name: 'synthad-no-tfjs-node',
  setup(b) {
    b.onResolve({ filter: /^@tensorflow\/tfjs-node$/ }, (a) => ({ path: a.path, namespace: 'synthad-no-tfjs-node' }));
    b.onLoad({ filter: /.*/, namespace: 'synthad-no-tfjs-node' }, () => ({
      loader: 'js',
      contents: `throw new Error('tfjs-node (native TensorFlow) is not part of the packaged extension; use the blas or wasm backend');`,
    }));
  },
};

/**
 * Builds every bundle. `outDir` receives dist/ and media/renderer.js (default: the repository).
 * @param {{ production?: boolean, minify?: boolean, outDir?: string }} options
 */
export async function bundle({ production = false, minify = production, outDir = ROOT } = {}) {
  const dist = join(outDir, 'dist');
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: !production,
    minify,
    // Error class names reach the notebook ("SynthadInputError: …"): keep them through minification.
    keepNames: minify,
    logLevel: 'warning',
  };
  const node = production
    ? {
        ...common,
        // koffi and @napi-rs/canvas are native: their loaders pick the platform's binary by path at run time,
        // and the VSIX carries them in node_modules (scripts/package.mjs).
        external: ['vscode', 'koffi', '@napi-rs/canvas'],
        plugins: [lazyDanfo, noTfjsNode],
        legalComments: 'none',
      }
    : {
        ...common,
        // tfjs-node is optional and native, koffi is native (its binaries load by path); danfojs-node is large
        // and required lazily; tfjs stays in node_modules so the core and danfojs share one TensorFlow.js instance.
        external: [
          'vscode',
          'koffi',
          '@tensorflow/tfjs-node',
          'danfojs-node',
          '@tensorflow/tfjs',
          '@tensorflow/tfjs-backend-wasm',
          '@napi-rs/canvas',
        ],
      };

  const builds = [
    build({ ...node, entryPoints: ['src/extension/extension.ts'], outfile: join(dist, 'extension.js') }),
    // The kernel process, one per notebook (src/extension/kernelSession.ts forks it).
    build({ ...node, entryPoints: ['src/kernel/main.ts'], outfile: join(dist, 'kernel.js') }),
    // The data-parallel trainer's worker thread (src/core/parallel.ts looks for it next to the bundle).
    build({ ...node, entryPoints: ['src/core/parallelWorker.ts'], outfile: join(dist, 'parallel-worker.js') }),
    // The boosted-tree trainer's histogram worker thread (src/core/gbt.ts looks for it next to the bundle).
    build({ ...node, entryPoints: ['src/core/gbtWorker.ts'], outfile: join(dist, 'gbt-worker.js') }),
    // IntelliSense in notebook cells (src/intellisense): TypeScript's language service in a worker thread. TypeScript
    // stays in node_modules in development; bundled in production, where its lib.*.d.ts must sit next to the bundle.
    build({
      ...node,
      entryPoints: ['src/intellisense/thread.ts'],
      outfile: join(dist, 'intellisense.js'),
      external: [...node.external, ...(production ? [] : ['typescript'])],
    }),
    // The cell API's declarations for IntelliSense (media/intellisense/globals.d.ts imports them).
    emitCellApiTypes(join(dist, 'types')),
    // The notebook renderer runs in the webview: an ES module for the browser, chart.js included.
    build({
      ...common,
      entryPoints: ['src/renderer/index.ts'],
      outfile: join(outDir, 'media', 'renderer.js'),
      platform: 'browser',
      format: 'esm',
      target: 'es2020',
    }),
  ];
  if (production) {
    // danfojs-node on its own; plotly is only required in a browser (`typeof window !== 'undefined'`).
    builds.push(
      build({
        ...common,
        entryPoints: ['danfojs-node'],
        outfile: join(dist, 'danfo.js'),
        external: ['plotly.js-dist-min'],
        plugins: [sharedTfjs],
        legalComments: 'none',
      }),
    );
  } else {
    // The command-line tool (bin/synthad.js) is not part of the VSIX, nor its streamed scoring's worker
    // thread (src/core/scoreStream.ts looks for it next to the bundle).
    builds.push(build({ ...node, entryPoints: ['src/cli/main.ts'], outfile: join(dist, 'cli.js') }));
    builds.push(build({ ...node, entryPoints: ['src/core/scoreWorker.ts'], outfile: join(dist, 'score-worker.js') }));
  }
  await Promise.all(builds);

  if (production) {
    // TypeScript is bundled into intellisense.js, and finds its lib.*.d.ts next to the running file.
    const tsLib = dirname(require.resolve('typescript/lib/lib.es5.d.ts'));
    for (const f of readdirSync(tsLib).filter((f) => /^lib\..*\.d\.ts$/.test(f)))
      copyFileSync(join(tsLib, f), join(dist, f));
  }

  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  mkdirSync(join(dist, 'wasm'), { recursive: true });
  for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
    copyFileSync(join(wasmDir, f), join(dist, 'wasm', f));
}

/** The cell API's declarations (src/kernel/tsconfig.types.json: src/kernel/cellApi.ts and what it imports) into `outDir`. */
function emitCellApiTypes(outDir) {
  const tsc = require.resolve('typescript/bin/tsc');
  const args = [tsc, '-p', join(ROOT, 'src', 'kernel', 'tsconfig.types.json'), '--outDir', outDir];
  return new Promise((ok, fail) =>
    execFile(process.execPath, args, { cwd: ROOT }, (err, stdout, stderr) =>
      err ? fail(new Error(`cell API declarations (tsc -p src/kernel/tsconfig.types.json): ${stdout}${stderr}`)) : ok(),
    ),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outdir');
  await bundle({
    production: args.includes('--production'),
    minify: args.includes('--minify') || args.includes('--production'),
    outDir: at >= 0 ? resolve(args[at + 1]) : ROOT,
  });
}
