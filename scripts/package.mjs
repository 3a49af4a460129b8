#!/usr/bin/env node
// Builds the VS Code extension package for one platform: synthad-<target>-<version>.vsix in the repository.
//
//   npm run package                          this machine's target (linux-x64 here); type-checks first
//   npm run package -- --target darwin-arm64 another target: linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64
//   node scripts/package.mjs [--target T] [--out FILE] [--readme-images inline|github|relative] [--keep]
//                                            --out: where the VSIX goes; --keep: keep the staging folder
//
// How: the production bundles (scripts/bundle.mjs --production: minified; TensorFlow.js, tfjs-backend-wasm and
// TypeScript inside, danfojs-node in dist/danfo.js, TypeScript's lib.*.d.ts next to the bundles) and the
// package's files are laid out in a staging folder whose node_modules holds only what is loaded by name or
// path at run time, and @vscode/vsce packs that folder, offline (its `npm list` runs on the staging folder):
//   - koffi: its loader (index.cjs, src/koffi/index.cjs, src/koffi/src/static.cjs) and, from the optional
//     package @koromix/koffi-<os>-<arch>, its loader index.js and the target's koffi.node only;
//   - @napi-rs/canvas: its JavaScript (index.js, js-binding.js, geometry.js, load-image.js) and the target's
//     package @napi-rs/canvas-<os>-<arch>[-gnu|-msvc] (skia.<...>.node);
//   - the TypeScript server plugins of contributes.typescriptServerPlugins (tsserver loads them by name).
// A platform package that is not in node_modules (other targets than this machine's) is fetched with
// `npm pack NAME@VERSION` (the version node_modules' koffi/canvas ask for) into node_modules/.cache/synthad-package;
// if the registry cannot be reached the script stops and says so. Every .node file in the VSIX is checked to
// be a binary of the target's OS and CPU, and no other node_modules may be in it.
//
// README images: VS Code's extension view does not show relative image paths of an installed extension, so by
// default they become data: URIs (--readme-images inline); `github` points them at the repository's raw files
// (what the Marketplace expects), `relative` leaves them. Relative links to files not in the package point to
// GitHub. vsce's own rewriting of relative links is off.
// Prints the VSIX's size and file count as its last line; fails when the linux-x64 VSIX is over 25 MB.
import { execFileSync } from 'child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'fs';
import { createRequire } from 'module';
import os from 'os';
import { dirname, extname, join, relative, resolve } from 'path';
import { fileURLToPath } from 'url';
import { bundle } from './bundle.mjs';

const require = createRequire(import.meta.url);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'synthad-package');
const REPOSITORY = 'https://github.com/synthad/synthad';
/** The linux-x64 VSIX must stay under this (issue 10). */
const BUDGET_BYTES = 25 * 1024 * 1024;

/**
 * Per VS Code target: the @napi-rs/canvas platform package's suffix, the @koromix/koffi-* package's suffix and
 * the folder of that package that holds the target's koffi.node, and what its native binaries must be.
 */
const TARGETS = {
  'linux-x64': { canvas: 'linux-x64-gnu', koffi: 'linux-x64', koffiDir: 'linux_x64', format: 'elf', cpu: 'x64' },
  'linux-arm64': {
    canvas: 'linux-arm64-gnu',
    koffi: 'linux-arm64',
    koffiDir: 'linux_arm64',
    format: 'elf',
    cpu: 'arm64',
  },
  'darwin-x64': { canvas: 'darwin-x64', koffi: 'darwin-x64', koffiDir: 'darwin_x64', format: 'macho', cpu: 'x64' },
  'darwin-arm64': {
    canvas: 'darwin-arm64',
    koffi: 'darwin-arm64',
    koffiDir: 'darwin_arm64',
    format: 'macho',
    cpu: 'arm64',
  },
  'win32-x64': { canvas: 'win32-x64-msvc', koffi: 'win32-x64', koffiDir: 'win32_x64', format: 'pe', cpu: 'x64' },
};

const t0 = Date.now();
const log = (msg) => console.log(`[package ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

class PackageError extends Error {}

function parseArgs(argv) {
  const opts = { target: undefined, out: undefined, keep: false, readmeImages: 'inline' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new PackageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--target') opts.target = value();
    else if (a.startsWith('--target=')) opts.target = a.slice('--target='.length);
    else if (a === '--out') opts.out = value();
    else if (a.startsWith('--out=')) opts.out = a.slice('--out='.length);
    else if (a === '--keep') opts.keep = true;
    else if (a === '--readme-images' || a.startsWith('--readme-images=')) {
      opts.readmeImages = a.includes('=') ? a.slice(a.indexOf('=') + 1) : value();
      if (!['inline', 'github', 'relative'].includes(opts.readmeImages))
        throw new PackageError(`--readme-images takes inline, github or relative, not ${opts.readmeImages}`);
    } else
      throw new PackageError(
        `unknown argument ${a} (usage: npm run package -- [--target ${Object.keys(TARGETS).join('|')}] [--out FILE] [--readme-images inline|github|relative] [--keep])`,
      );
  }
  return opts;
}

/** This machine's VS Code target. */
function hostTarget() {
  const t = `${process.platform}-${process.arch}`;
  if (process.platform === 'linux') {
    // musl (Alpine) is VS Code's alpine-* target, which this script does not build.
    const report = process.report?.getReport?.();
    if (report && !report.header.glibcVersionRuntime)
      throw new PackageError(
        `this machine runs musl libc (alpine-${process.arch}), which has no target here: pass --target`,
      );
  }
  return t;
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/**
 * The folder of package NAME at VERSION: node_modules when the installed one is that version, else the
 * cache, filled with `npm pack` from the registry.
 */
function platformPackage(name, version) {
  const installed = join(ROOT, 'node_modules', name);
  if (existsSync(join(installed, 'package.json')) && readJson(join(installed, 'package.json')).version === version)
    return installed;
  const cached = join(CACHE, `${name.replace('/', '+')}@${version}`, 'package');
  if (existsSync(join(cached, 'package.json'))) return cached;
  log(`${name}@${version} is not installed here: npm pack from the registry`);
  const tmp = mkdtempSync(join(os.tmpdir(), 'synthad-pack-'));
  try {
    let packed;
    try {
      const out = execFileSync(
        'npm',
        ['pack', `${name}@${version}`, '--pack-destination', tmp, '--json', '--loglevel=error'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          shell: process.platform === 'win32',
        },
      );
      packed = join(tmp, JSON.parse(out)[0].filename);
    } catch (err) {
      const why = String(err.stderr || err.message)
        .trim()
        .split('\n')
        .filter(Boolean)
        .slice(-2)
        .join(' ');
      throw new PackageError(
        `cannot fetch ${name}@${version}, the native binary this target needs: npm pack failed (${why}). ` +
          `Run the script where the npm registry can be reached, or put the unpacked package in ${relative(ROOT, cached)}.`,
      );
    }
    mkdirSync(dirname(cached), { recursive: true });
    execFileSync('tar', ['-xzf', packed, '-C', dirname(cached)], { stdio: 'inherit' });
    if (!existsSync(join(cached, 'package.json'))) throw new PackageError(`${packed} did not unpack into ${cached}`);
    return cached;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Copies FILES (relative paths) of package folder FROM into TO. */
function copyFiles(from, to, files) {
  for (const f of files) {
    const src = join(from, f);
    if (!existsSync(src)) throw new PackageError(`${src} is missing`);
    mkdirSync(dirname(join(to, f)), { recursive: true });
    cpSync(src, join(to, f), { recursive: true });
  }
}

/** The native modules for TARGET into STAGING/node_modules; returns what went in, for the summary. */
function stageNativeModules(staging, target) {
  const spec = TARGETS[target];
  const nm = join(staging, 'node_modules');
  const staged = [];

  // koffi: its loader tries require('@koromix/koffi-<os>-<arch>') (src/koffi/src/static.cjs), then that
  // package's folder by path; the package's index.js picks <os>_<arch>/koffi.node (or musl_<arch> on musl).
  const koffiDir = join(ROOT, 'node_modules', 'koffi');
  const koffi = readJson(join(koffiDir, 'package.json'));
  copyFiles(koffiDir, join(nm, 'koffi'), [
    'package.json',
    'index.cjs',
    'LICENSE.txt',
    'src/koffi/index.cjs',
    'src/koffi/src/static.cjs',
  ]);
  const koffiPlatformName = `@koromix/koffi-${spec.koffi}`;
  const koffiPlatformVersion = koffi.optionalDependencies?.[koffiPlatformName];
  if (!koffiPlatformVersion) throw new PackageError(`koffi ${koffi.version} names no ${koffiPlatformName}`);
  const koffiPlatform = platformPackage(koffiPlatformName, koffiPlatformVersion);
  copyFiles(koffiPlatform, join(nm, koffiPlatformName), [
    'package.json',
    readJson(join(koffiPlatform, 'package.json')).main ?? 'index.js',
    `${spec.koffiDir}/koffi.node`,
  ]);
  staged.push(`koffi ${koffi.version} + ${koffiPlatformName} (${spec.koffiDir}/koffi.node)`);

  // @napi-rs/canvas: js-binding.js requires @napi-rs/canvas-<os>-<arch>[-abi] when no local .node is next to it.
  const canvasDir = join(ROOT, 'node_modules', '@napi-rs', 'canvas');
  const canvas = readJson(join(canvasDir, 'package.json'));
  copyFiles(canvasDir, join(nm, '@napi-rs', 'canvas'), [
    'package.json',
    'LICENSE',
    'index.js',
    'js-binding.js',
    'geometry.js',
    'load-image.js',
  ]);
  const canvasPlatformName = `@napi-rs/canvas-${spec.canvas}`;
  const canvasPlatformVersion = canvas.optionalDependencies?.[canvasPlatformName];
  if (!canvasPlatformVersion)
    throw new PackageError(`@napi-rs/canvas ${canvas.version} names no ${canvasPlatformName}`);
  const canvasPlatform = platformPackage(canvasPlatformName, canvasPlatformVersion);
  const canvasMain = readJson(join(canvasPlatform, 'package.json')).main;
  if (!canvasMain || !canvasMain.endsWith('.node'))
    throw new PackageError(`${canvasPlatformName}: no .node main in its package.json`);
  copyFiles(canvasPlatform, join(nm, canvasPlatformName), ['package.json', canvasMain]);
  staged.push(`@napi-rs/canvas ${canvas.version} + ${canvasPlatformName} (${canvasMain})`);

  // The staged package.json lists them, so that vsce's `npm list --production` packs them (and nothing else).
  return { staged, dependencies: { koffi: koffi.version, '@napi-rs/canvas': canvas.version } };
}

/**
 * The TypeScript server plugins the manifest contributes (contributes.typescriptServerPlugins) into
 * STAGING/node_modules: tsserver loads each by name from the extension's node_modules, so they ship as
 * packages (plain JavaScript: package.json and its main file). Returns their names and versions.
 */
function stageTsServerPlugins(staging, manifest) {
  const dependencies = {};
  for (const { name } of manifest.contributes?.typescriptServerPlugins ?? []) {
    let dir;
    try {
      dir = dirname(require.resolve(`${name}/package.json`, { paths: [ROOT] }));
    } catch {
      throw new PackageError(
        `contributes.typescriptServerPlugins names ${name}, which is not in node_modules (npm install)`,
      );
    }
    const pkg = readJson(join(dir, 'package.json'));
    const main = (pkg.main ?? 'index.js').replace(/^\.\//, '');
    copyFiles(dir, join(staging, 'node_modules', name), [
      'package.json',
      existsSync(join(dir, main)) ? main : `${main}.js`,
    ]);
    dependencies[name] = pkg.version;
  }
  return dependencies;
}

/** OS and CPU of a native binary, from its header: ELF, Mach-O (thin or universal) or PE. */
function binaryKind(buf) {
  const cpuOfElf = { 62: 'x64', 183: 'arm64' };
  const cpuOfMacho = { 0x01000007: 'x64', 0x0100000c: 'arm64' };
  const cpuOfPe = { 0x8664: 'x64', 0xaa64: 'arm64', 0x14c: 'ia32' };
  if (buf.readUInt32BE(0) === 0x7f454c46)
    return { format: 'elf', cpus: [cpuOfElf[buf.readUInt16LE(18)] ?? `e_machine ${buf.readUInt16LE(18)}`] };
  if (buf.readUInt32LE(0) === 0xfeedfacf)
    return { format: 'macho', cpus: [cpuOfMacho[buf.readUInt32LE(4)] ?? 'unknown'] };
  if (buf.readUInt32BE(0) === 0xcafebabe) {
    const n = buf.readUInt32BE(4);
    return {
      format: 'macho',
      cpus: Array.from({ length: n }, (_, i) => cpuOfMacho[buf.readUInt32BE(8 + i * 20)] ?? 'unknown'),
    };
  }
  if (buf.toString('latin1', 0, 2) === 'MZ') {
    const pe = buf.readUInt32LE(0x3c);
    return { format: 'pe', cpus: [cpuOfPe[buf.readUInt16LE(pe + 4)] ?? 'unknown'] };
  }
  return { format: 'unknown', cpus: [] };
}

/** The entries of a zip file (name, compressed and uncompressed size), from its central directory. */
export function zipEntries(file) {
  const buf = readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new PackageError(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new PackageError(`${file}: bad central directory`);
    const nameLen = buf.readUInt16LE(p + 28),
      extraLen = buf.readUInt16LE(p + 30),
      commentLen = buf.readUInt16LE(p + 32);
    entries.push({
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
      compressed: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * README for the package. Relative links to files that are not in the package point to GitHub. Images, by
 * `mode`: 'inline' (default) makes each packaged image a data: URI, because VS Code's extension view does not
 * resolve relative image paths against the installed extension (checked in VS Code 1.100: `media/x.png` stays
 * broken) and shows data: and https: images only; 'github' makes them https URLs of the repository's raw files
 * (for the Marketplace, which vsce requires to be https; they show only where GitHub can be reached); 'relative'
 * leaves them as they are.
 */
function packageReadme(text, staging, mode) {
  const mime = {
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg',
    '.gif': 'image/gif',
    '.webp': 'image/webp',
  };
  return text.replace(/(!?)\[((?:[^\]\[]|!\[[^\]\[]*\]\([^)]*\))*)\]\(([^)\s]+)\)/g, (all, bang, title, link) => {
    if (/^[a-z][\w+.-]*:/i.test(link) || link.startsWith('#')) return all;
    const file = link.split('#')[0].replace(/^\.\//, '');
    if (bang) {
      if (!existsSync(join(staging, file)))
        throw new PackageError(`README.md shows ${link}, which is not in the package`);
      if (mode === 'github') return `![${title}](${REPOSITORY}/raw/HEAD/${file})`;
      if (mode === 'inline') {
        const type = mime[extname(file).toLowerCase()];
        if (!type) throw new PackageError(`README.md shows ${link}: not a PNG, JPEG, GIF or WebP image`);
        return `![${title}](data:${type};base64,${readFileSync(join(staging, file)).toString('base64')})`;
      }
      return all;
    }
    if (existsSync(join(staging, file))) return all;
    return `[${title}](${REPOSITORY}/blob/HEAD/${file})`;
  });
}

/** The package's manifest: the repository's, less what only the repository uses. */
function packageManifest(dependencies) {
  const manifest = readJson(join(ROOT, 'package.json'));
  for (const key of ['scripts', 'devDependencies', 'optionalDependencies', 'overrides', 'files', 'bin'])
    delete manifest[key];
  manifest.dependencies = dependencies;
  return manifest;
}

function formatBytes(n) {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const target = opts.target ?? hostTarget();
  if (!TARGETS[target])
    throw new PackageError(`no package for target ${target}: the targets are ${Object.keys(TARGETS).join(', ')}`);
  const version = readJson(join(ROOT, 'package.json')).version;
  const out = resolve(opts.out ?? join(ROOT, `synthad-${target}-${version}.vsix`));
  const staging = mkdtempSync(join(os.tmpdir(), `synthad-vsix-${target}-`));
  log(`target ${target}, staging in ${staging}`);
  try {
    // 1. Production bundles: staging/dist (extension, kernel, IntelliSense thread, parallel worker, danfo, wasm) and media/renderer.js.
    await bundle({ production: true, outDir: staging });
    log('bundled (minified)');

    // 2. What the extension reads at run time, and the Marketplace files.
    for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore']) {
      if (!existsSync(join(ROOT, f))) throw new PackageError(`${f} is missing`);
    }
    cpSync(join(ROOT, 'CHANGELOG.md'), join(staging, 'CHANGELOG.md'));
    cpSync(join(ROOT, 'LICENSE'), join(staging, 'LICENSE'));
    cpSync(join(ROOT, '.vscodeignore'), join(staging, '.vscodeignore'));
    // samples/: the template notebook's data (`samples/…` falls back to these), with their provenance.
    cpSync(join(ROOT, 'samples'), join(staging, 'samples'), { recursive: true });
    // media/: icon, fonts for the kernel's PNGs, README and walkthrough images; the renderer was just built.
    cpSync(join(ROOT, 'media'), join(staging, 'media'), {
      recursive: true,
      filter: (src) => !/[\\/]renderer\.js(\.map)?$|\.map$/.test(src),
    });
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    writeFileSync(join(staging, 'README.md'), packageReadme(readme, staging, opts.readmeImages));
    if (opts.readmeImages === 'inline') {
      // Images now inside the README that nothing else shows (the manifest names the walkthrough's) stay out.
      const manifestText = readFileSync(join(ROOT, 'package.json'), 'utf8');
      for (const [, link] of readme.matchAll(/!\[[^\]]*\]\((media\/[^)\s#]+)\)/g)) {
        if (!manifestText.includes(link)) rmSync(join(staging, link), { force: true });
      }
    }

    // 3. Native modules for the target, and the manifest that names them.
    const { staged, dependencies } = stageNativeModules(staging, target);
    for (const s of staged) log(`native: ${s}`);
    const plugins = stageTsServerPlugins(staging, readJson(join(ROOT, 'package.json')));
    for (const [name, v] of Object.entries(plugins)) log(`TypeScript server plugin: ${name} ${v}`);
    writeFileSync(
      join(staging, 'package.json'),
      JSON.stringify(packageManifest({ ...dependencies, ...plugins }), null, 2) + '\n',
    );

    // 4. vsce, offline: it lists dependencies with `npm list --production` in the staging folder.
    mkdirSync(dirname(out), { recursive: true });
    const vsce = require('@vscode/vsce');
    await vsce.createVSIX({
      cwd: staging,
      packagePath: out,
      target,
      rewriteRelativeLinks: false,
      useYarn: false,
      dependencies: true,
    });

    // 5. Check what came out.
    const entries = zipEntries(out).filter((e) => !e.name.endsWith('/'));
    const files = entries.map((e) => e.name);
    const modules = new Set(
      files
        .filter((f) => f.startsWith('extension/node_modules/'))
        .map((f) =>
          f
            .split('/')
            .slice(2, f.split('/')[2].startsWith('@') ? 4 : 3)
            .join('/'),
        ),
    );
    const allowed = new Set([
      'koffi',
      `@koromix/koffi-${TARGETS[target].koffi}`,
      '@napi-rs/canvas',
      `@napi-rs/canvas-${TARGETS[target].canvas}`,
      ...Object.keys(plugins),
    ]);
    const stray = [...modules].filter((m) => !allowed.has(m));
    if (stray.length > 0)
      throw new PackageError(
        `the VSIX holds node_modules that are neither the target's native modules nor TypeScript server plugins: ${stray.join(', ')}`,
      );
    for (const required of [
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/kernel.js',
      'extension/dist/parallel-worker.js',
      'extension/dist/gbt-worker.js',
      'extension/dist/danfo.js',
      'extension/dist/wasm/tfjs-backend-wasm-simd.wasm',
      'extension/media/renderer.js',
      'extension/media/icon.png',
      'extension/LICENSE.txt',
      'extension/CHANGELOG.md',
      'extension/readme.md',
      'extension/samples/thyroid-train.csv',
    ]) {
      if (!files.some((f) => f.toLowerCase() === required.toLowerCase()))
        throw new PackageError(`the VSIX lacks ${required}`);
    }
    const natives = files.filter((f) => f.endsWith('.node'));
    for (const f of natives) {
      const kind = binaryKind(readFileSync(join(staging, f.slice('extension/'.length))));
      const want = TARGETS[target];
      if (kind.format !== want.format || !kind.cpus.includes(want.cpu)) {
        throw new PackageError(
          `${f} is a ${kind.format} binary for ${kind.cpus.join('+') || '?'}, not ${want.format} for ${want.cpu} (${target})`,
        );
      }
    }
    if (natives.length !== 2)
      throw new PackageError(
        `expected 2 native binaries (koffi, canvas), found ${natives.length}: ${natives.join(', ')}`,
      );

    const size = statSync(out).size;
    const js = entries.filter((e) => e.name.endsWith('.js'));
    log(`native binaries: ${natives.map((f) => f.slice('extension/'.length)).join(', ')}`);
    log(
      `JavaScript: ${js.length} files, ${formatBytes(js.reduce((s, e) => s + e.size, 0))} (${formatBytes(js.reduce((s, e) => s + e.compressed, 0))} compressed)`,
    );
    if (target === 'linux-x64' && size > BUDGET_BYTES)
      throw new PackageError(
        `${relative(process.cwd(), out)} is ${formatBytes(size)}, over the ${formatBytes(BUDGET_BYTES)} budget`,
      );
    console.log(`${relative(process.cwd(), out) || out}: ${formatBytes(size)} (${size} bytes), ${files.length} files`);
  } finally {
    if (opts.keep) log(`staging kept: ${staging}`);
    else rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`package: ${err instanceof PackageError ? err.message : err.stack || err}`);
    process.exit(1);
  });
}
