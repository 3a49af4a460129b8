/**
 * Saving and loading a fitted detector as a folder: `synthad-model.json` (the manifest: options, encoder,
 * threshold, training summary, and the method's part: e.g. the MLP's shapes and the name of its weights file)
 * and the binary files the method writes, `weights-<pid>-<hex>.bin` (the MLP's weights: `weights.bin` in
 * models saved before the manifest named the file). What a method saves, checks and loads is its own (its class
 * in the method registry, detectors/method.ts); this file does what is the same for every method.
 *
 * A save writes only these files. It refuses a folder that holds anything else (before writing anything),
 * and it replaces an existing model atomically: the new binary files go under fresh names, then the manifest
 * is written to a partial file and renamed over the old one (the commit point), then the old model's files are
 * removed. A save killed at any point leaves the old model or the new one, whole; what it left behind is
 * removed by the next save. Loading reads every file with a size limit and checks it (modelCheck.ts).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Detector } from './detector';
import { SynthadInputError } from './errors';
import { MODEL_FORMAT_VERSION, READABLE_MODEL_FORMATS, SYNTHAD_VERSION } from './version';
import { DetectorOptions, resolveOptions } from './options';
import { listNames } from './encode';
import { checkManifest, CheckedModel } from './modelCheck';
import { DATA_FILE_NAME, findMethod, methodClass, ModelFileReader, ModelFileWriter } from './detectors/method';
import { failpoint, partialPath, releasePartial, removePartial, removeStalePartials } from './safeFiles';

export const MODEL_FILE = 'synthad-model.json';
/** At most this many bytes in a manifest (a forest of 100 trees is a few MB). */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** Partial files a save writes in the model folder: `synthad-model.json.partial-<pid>-<n>`, `weights-….bin.partial-<pid>-<n>`. */
const PARTIAL_NAME = /^(synthad-model\.json|weights(?:-[0-9a-f]{1,16}){0,2}\.bin)\.partial-\d+-\d+$/;

/**
 * Checks, without writing anything, that `dir` can take a model: it does not exist yet (it will be created,
 * with its parents), or it is a folder holding nothing but a SynthAD model's files. `''` is the current folder.
 * Throws a SynthadInputError otherwise. saveDetector calls it first; call it before a long training to fail fast.
 */
export function checkModelFolder(dir: string): void {
  const target = path.resolve(dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') {
      throw new SynthadInputError(`cannot use this folder for the model (${(err as Error).message})`, { file: target });
    }
    // Does not exist: every existing ancestor must be a folder.
    for (let up = path.dirname(target); ; up = path.dirname(up)) {
      let s: fs.Stats | undefined;
      try {
        s = fs.statSync(up);
      } catch {
        /* not there either */
      }
      if (s !== undefined) {
        if (!s.isDirectory())
          throw new SynthadInputError(`cannot create the model folder: ${up} is a file, expected a folder`, {
            file: target,
          });
        return;
      }
      if (path.dirname(up) === up) return;
    }
  }
  if (!stat.isDirectory()) {
    throw new SynthadInputError(
      'is a file, expected a folder (a model is saved as a folder: synthad-model.json and its weights)',
      { file: target },
    );
  }
  const foreign = fs
    .readdirSync(target, { withFileTypes: true })
    .filter((e) => !(e.isFile() && (e.name === MODEL_FILE || DATA_FILE_NAME.test(e.name) || PARTIAL_NAME.test(e.name))))
    .map((e) => e.name)
    .sort();
  if (foreign.length > 0) {
    throw new SynthadInputError(
      `holds files that are not part of a SynthAD model (${listNames(foreign, 3)}); save the model into an empty or new folder`,
      { file: target },
    );
  }
}

/**
 * Saves a fitted detector into the folder `dir` (created with its parents; `''` is the current folder).
 * Writes only the model's files: refuses a folder holding anything else; replaces a model there atomically.
 */
export async function saveDetector(detector: Detector, dir: string): Promise<void> {
  // Synchronous from here on: two saves in one process never interleave.
  const target = path.resolve(dir);
  const manifestPath = path.join(target, MODEL_FILE);
  const files = new Map<string, ReadonlyArray<Uint8Array>>();
  const saved = manifestOf(detector, {
    add: (chunks) => {
      const name = `weights-${process.pid.toString(16)}-${crypto.randomBytes(6).toString('hex')}.bin`;
      files.set(name, chunks);
      return name;
    },
  });
  // What is saved must load: check it with the loader's rules before writing anything.
  const prefix = 'cannot save this model: ';
  const checked = checkManifest(saved, target, prefix);
  methodClass(checked.options.method).checkFiles?.(
    checked.model,
    memoryFiles(files, () => target, prefix),
  );
  checkModelFolder(target);
  const json = JSON.stringify(saved, null, 1);

  const created = fs.mkdirSync(target, { recursive: true });
  removeStaleFiles(target);
  const previous = committedFiles(manifestPath);
  const placed: string[] = [];
  let filePartial: string | undefined;
  let manifestPartial: string | undefined;
  try {
    for (const [name, chunks] of files) {
      filePartial = partialPath(path.join(target, name));
      writeDurably(filePartial, chunks);
      failpoint('save:weights-partial');
      fs.renameSync(filePartial, path.join(target, name));
      placed.push(name);
      releasePartial(filePartial);
      filePartial = undefined;
      failpoint('save:weights-written');
    }
    manifestPartial = partialPath(manifestPath);
    writeDurably(manifestPartial, [Buffer.from(json, 'utf8')]);
    failpoint('save:manifest-partial');
    fs.renameSync(manifestPartial, manifestPath); // the commit point
    releasePartial(manifestPartial);
    manifestPartial = undefined;
  } catch (err) {
    if (filePartial) removePartial(filePartial);
    if (manifestPartial) removePartial(manifestPartial);
    for (const name of placed) removeQuietly(path.join(target, name));
    if (created !== undefined) removeCreatedFolders(target, created);
    throw err;
  }
  syncFolder(target);
  failpoint('save:committed');
  removeOldFiles(target, manifestPath, previous);
}

/** The manifest a save writes; the method's model adds its fields and puts its binary files in `files`. */
function manifestOf(detector: Detector, files: ModelFileWriter): Record<string, unknown> {
  const state = detector.fitted;
  return {
    format: 'synthad-model',
    formatVersion: MODEL_FORMAT_VERSION,
    synthadVersion: SYNTHAD_VERSION,
    savedAt: new Date().toISOString(),
    options: detector.options,
    encoder: state.encoder,
    threshold: state.threshold,
    summary: state.summary,
    ...state.model.save(files),
    ...(state.reference ? { reference: state.reference } : {}),
  };
}

/** A model's binary files held in memory (a save checking what it will write, a snapshot). */
function memoryFiles(
  files: ReadonlyMap<string, ReadonlyArray<Uint8Array>>,
  where: (name: string) => string,
  prefix: string,
): ModelFileReader {
  return {
    prefix,
    where,
    read: (name, bytes, what, wrongSize) => {
      const chunks = files.get(name);
      if (chunks === undefined) throw new SynthadInputError(`${what} missing from the model`, { file: where(name) });
      const size = chunks.reduce((a, c) => a + c.byteLength, 0);
      if (size !== bytes) throw new SynthadInputError(wrongSize(size), { file: where(name) });
      return concat(chunks);
    },
  };
}

/** The chunks in one new buffer. */
function concat(chunks: ReadonlyArray<Uint8Array>): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** A fitted detector as plain data (a saved model held in memory), to hand to another thread: see detectorFromSnapshot. */
export interface DetectorSnapshot {
  readonly manifest: Record<string, unknown>;
  /** The binary files the manifest names. */
  readonly files: ReadonlyArray<readonly [string, Uint8Array]>;
}

export function detectorSnapshot(detector: Detector): DetectorSnapshot {
  const files: Array<readonly [string, Uint8Array]> = [];
  const manifest = manifestOf(detector, {
    add: (chunks) => {
      const name = `weights-${files.length}.bin`;
      files.push([name, concat(chunks)]); // a copy: the snapshot shares nothing with the detector
      return name;
    },
  });
  return { manifest, files };
}

/** The detector of a snapshot, on the backend and threads of `compute` (the snapshot's own by default), checked as a load is. */
export async function detectorFromSnapshot(
  snapshot: DetectorSnapshot,
  compute: Partial<Pick<DetectorOptions, 'backend' | 'threads'>> = {},
): Promise<Detector> {
  const where = '(model snapshot)';
  const checked = checkManifest(snapshot.manifest, where);
  return build(
    checked,
    memoryFiles(new Map(snapshot.files.map(([name, bytes]) => [name, [bytes]])), () => where, ''),
    compute,
  );
}

/** Writes `chunks` to a new file (never through an existing file or link) and flushes it to disk. */
function writeDurably(file: string, chunks: ReadonlyArray<Uint8Array>): void {
  const fd = fs.openSync(file, 'wx', 0o644);
  try {
    for (const chunk of chunks) {
      for (let done = 0; done < chunk.byteLength;) done += fs.writeSync(fd, chunk, done, chunk.byteLength - done);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flushes a folder's entries (the renames) to disk where the platform allows it. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* not supported here (Windows): the renames are still atomic */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Removes the folders this save created (`target` up to `first`), as long as they are empty. */
function removeCreatedFolders(target: string, first: string): void {
  for (let d = target; ; d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return;
    }
    if (d === first || path.dirname(d) === d) return;
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    /* best effort */
  }
}

/** Partial files of saves that were killed (their process is gone), in the folder and, from older versions, beside it. */
function removeStaleFiles(target: string): void {
  const bases = new Set<string>([MODEL_FILE]);
  for (const name of safeReaddir(target)) {
    const m = PARTIAL_NAME.exec(name);
    if (m) bases.add(m[1]);
  }
  for (const base of bases) removeStalePartials(path.join(target, base));
  removeStalePartials(target); // `<folder>.partial-<pid>-<time>` folders of saves before this layout
}

/**
 * The binary files the committed manifest names (its method's `filesOf`): an empty set when there is no
 * manifest; null when it cannot be read or its method is not known here.
 */
function committedFiles(manifestPath: string): ReadonlySet<string> | null {
  try {
    const text = readLimited(manifestPath, MAX_MANIFEST_BYTES, 'model manifest');
    if (text === undefined) return new Set();
    const raw = JSON.parse(text.toString('utf8')) as Record<string, unknown>;
    const options = (typeof raw.options === 'object' && raw.options !== null ? raw.options : {}) as Record<
      string,
      unknown
    >;
    const method = findMethod(typeof options.method === 'string' ? options.method : resolveOptions().method);
    return method ? new Set(method.filesOf(raw)) : null;
  } catch {
    return null;
  }
}

/**
 * After a commit: removes the binary files of the model that was replaced and those no manifest names whose
 * save is over (killed, or from this process); keeps those the manifest now names and those of saves still
 * running in other processes (they remove their own when they finish).
 */
function removeOldFiles(target: string, manifestPath: string, previous: ReadonlySet<string> | null): void {
  const current = committedFiles(manifestPath);
  if (current === null) return; // cannot tell which files the model uses now: remove none
  for (const name of safeReaddir(target)) {
    if (!DATA_FILE_NAME.test(name) || current.has(name)) continue;
    const pid = /^weights-([0-9a-f]+)-[0-9a-f]+\.bin$/.exec(name)?.[1];
    const owner = pid === undefined ? undefined : parseInt(pid, 16);
    if (previous?.has(name) || owner === undefined || owner === process.pid || !processAlive(owner))
      removeQuietly(path.join(target, name));
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a saved detector; `compute` picks the backend and threads to score on (default: those it was saved with). */
export async function loadDetector(
  dir: string,
  compute: Partial<Pick<DetectorOptions, 'backend' | 'threads'>> = {},
): Promise<Detector> {
  const file = path.join(dir, MODEL_FILE);
  // A save replacing this model between reading the manifest and its files removes the old files: read again.
  for (let attempt = 1; ; attempt++) {
    const text = readLimited(file, MAX_MANIFEST_BYTES, 'model manifest');
    if (text === undefined) {
      throw new SynthadInputError(
        `no ${MODEL_FILE} here: expected a folder written by 'synthad train --out' or saveDetector`,
        { file: dir },
      );
    }
    const saved = parseManifest(text, file);
    try {
      return await build(saved, folderFiles(dir), compute);
    } catch (err) {
      if (!(err instanceof MissingFile)) throw err;
      const now = readLimited(file, MAX_MANIFEST_BYTES, 'model manifest');
      if (attempt < 3 && now !== undefined && !now.equals(text)) continue;
      throw err;
    }
  }
}

/** A binary file the manifest names is not in the model folder. */
class MissingFile extends SynthadInputError {}

/** The binary files in the model folder `dir`, each read with its size checked before reading. */
function folderFiles(dir: string): ModelFileReader {
  return {
    prefix: '',
    where: (name) => path.join(dir, name),
    read: (name, bytes, what, wrongSize) => {
      const file = path.join(dir, name);
      const data = readExactly(file, bytes, what, wrongSize);
      if (data === undefined) throw new MissingFile(`${what} missing from the model folder`, { file });
      return data;
    },
  };
}

/** The detector from a checked manifest and its method's files; `compute` overrides the backend and threads it was saved with. */
async function build(
  saved: CheckedModel,
  files: ModelFileReader,
  compute: Partial<Pick<DetectorOptions, 'backend' | 'threads'>>,
): Promise<Detector> {
  const options: DetectorOptions = { ...saved.options };
  if (compute.backend !== undefined) Object.assign(options, { backend: compute.backend });
  if (compute.threads !== undefined) Object.assign(options, { threads: compute.threads });
  const { model, computeDetail } = await methodClass(options.method).load(saved.model, files, options);
  return Detector.fromState(options, {
    encoder: saved.encoder,
    model,
    threshold: saved.threshold,
    summary: saved.summary,
    computeDetail,
    ...(saved.reference ? { reference: saved.reference } : {}),
  });
}

function parseManifest(text: Buffer, file: string): CheckedModel {
  let raw: unknown;
  try {
    raw = JSON.parse(text.toString('utf8'));
  } catch (err) {
    throw new SynthadInputError(`not valid JSON (${(err as Error).message})`, { file });
  }
  const saved = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  if (saved.format !== 'synthad-model')
    throw new SynthadInputError(`not a SynthAD model (format '${String(saved.format)}')`, { file });
  if (!READABLE_MODEL_FORMATS.includes(saved.formatVersion as number)) {
    throw new SynthadInputError(
      `saved in model format ${String(saved.formatVersion)} by SynthAD ${String(saved.synthadVersion)}; this SynthAD ${SYNTHAD_VERSION} reads formats ${READABLE_MODEL_FORMATS.join(' and ')}`,
      { file },
    );
  }
  return checkManifest(saved, file);
}

/**
 * Opens `file` without blocking (a FIFO with no writer would hang a plain open) and checks that it is a regular
 * file of at most `limit` bytes before reading it; undefined when it does not exist.
 */
function readLimited(file: string, limit: number, what: string): Buffer | undefined {
  const fd = openRegular(file, what);
  if (fd === undefined) return undefined;
  try {
    const size = fs.fstatSync(fd).size;
    if (size > limit)
      throw new SynthadInputError(`${size} bytes, more than the ${limit / 2 ** 20} MiB a ${what} may have`, { file });
    // Read up to limit + 1 bytes: a file that grows while being read is still cut off.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(size - total, 64 * 1024), limit + 1 - total));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit)
        throw new SynthadInputError(`more than the ${limit / 2 ** 20} MiB a ${what} may have`, { file });
    }
    return Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}

/** An open descriptor on a regular file, undefined when there is no such file; anything else is refused. */
function openRegular(file: string, what: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EISDIR')
      throw new SynthadInputError(`is a folder, not a regular file; expected the ${what} written by saveDetector`, {
        file,
      });
    throw new SynthadInputError(`cannot read it (${(err as Error).message})`, { file });
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    const kind = stat.isDirectory()
      ? 'a folder'
      : stat.isFIFO()
        ? 'a named pipe (FIFO)'
        : stat.isCharacterDevice()
          ? 'a character device'
          : stat.isBlockDevice()
            ? 'a block device'
            : stat.isSocket()
              ? 'a socket'
              : 'a special file';
    throw new SynthadInputError(`is ${kind}, not a regular file; expected the ${what} written by saveDetector`, {
      file,
    });
  }
  return fd;
}

/** The file's bytes, exactly `bytes` of them (else throws with `wrongSize`); undefined when the file does not exist. */
function readExactly(
  file: string,
  bytes: number,
  what: string,
  wrongSize: (got: number) => string,
): Uint8Array | undefined {
  const fd = openRegular(file, what);
  if (fd === undefined) return undefined;
  const data = new Uint8Array(bytes);
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== bytes) throw new SynthadInputError(wrongSize(size), { file });
    let total = 0;
    while (total < bytes) {
      const n = fs.readSync(fd, data, total, bytes - total, null);
      if (n === 0) throw new SynthadInputError(wrongSize(total), { file });
      total += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return data;
}
