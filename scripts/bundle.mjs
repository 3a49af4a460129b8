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
  // tfjs-node is optional and native; danfojs-node is large and required lazily.
  external: ['vscode', '@tensorflow/tfjs-node', 'danfojs-node'],
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' }),
]);

const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
mkdirSync('dist/wasm', { recursive: true });
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join('dist/wasm', f));
