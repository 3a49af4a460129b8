// Bundles the extension and the CLI with esbuild into dist/, and copies the tfjs WASM binaries
// next to them (the backend looks for dist/wasm first).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'fs';
import { createRequire } from 'module';
import { dirname, join } from 'path';

const require = createRequire(import.meta.url);
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: process.argv.includes('--minify'),
  // tfjs-node is optional and native, koffi is native (its binaries load by path); danfojs-node is large and required lazily; tfjs stays in node_modules so
  // the core and danfojs share one TensorFlow.js instance (two copies register every kernel twice).
  external: ['vscode', 'koffi', '@tensorflow/tfjs-node', 'danfojs-node', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@napi-rs/canvas'],
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' }),
  build({ ...common, entryPoints: ['src/kernel/worker.ts'], outfile: 'dist/kernel-worker.js'  }),
  // The data-parallel trainer's worker thread (src/core/parallel.ts looks for it next to the bundle).
  build({ ...common, entryPoints: ['src/core/parallelWorker.ts'], outfile: 'dist/parallel-worker.js' }),
  // The notebook renderer runs in the webview: an ES module for the browser, chart.js included.
  build({ ...common, entryPoints: ['src/renderer/index.ts'], outfile: 'media/renderer.js', platform: 'browser', format: 'esm', target: 'es2020', external: [] }),
]);

const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
mkdirSync('dist/wasm', { recursive: true });
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join('dist/wasm', f));
