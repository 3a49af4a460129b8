/**
 * The platform's BLAS, called through koffi (a C FFI with prebuilt binaries on npm: nothing to compile).
 * Only what the MLP needs: cblas_sgemm and the library's thread count. Looked for in this order:
 * SYNTHAD_BLAS (a file name or path), then OpenBLAS, MKL and the system's libblas on Linux,
 * Accelerate and Homebrew's OpenBLAS on macOS, OpenBLAS or MKL DLLs on the PATH on Windows.
 */
import * as os from 'os';

export const CblasRowMajor = 101;
export const CblasNoTrans = 111;
export const CblasTrans = 112;

export interface Blas {
  /** The file name (or path) that was loaded, e.g. libopenblas.so.0. */
  readonly library: string;
  /** OpenBLAS, MKL, Accelerate or BLAS (a libblas without a known vendor API). */
  readonly vendor: string;
  /** The library's own build description where it has one (OpenBLAS: version and CPU kernel). */
  readonly config?: string;
  /**
   * Whether the library's thread count could be pinned to 1 (OpenBLAS, MKL). SynthAD calls the BLAS
   * from several of its own threads instead (parallel.ts says why); Accelerate and a plain libblas
   * manage their own threads.
   */
  readonly singleThreaded: boolean;
  /** C = alpha op(A) op(B) + beta C, row-major, on Float32Arrays (subarrays allowed). */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
}

/** Where no BLAS could be loaded: every candidate and why it failed. */
export class BlasNotFoundError extends Error {
  constructor(readonly tried: ReadonlyArray<string>) {
    super(`no BLAS library found (${tried.join('; ')})`);
    this.name = 'BlasNotFoundError';
  }
}

let loaded: Blas | BlasNotFoundError | undefined;
let loadedFor: string | undefined;

/** Loads the BLAS once per process (again only if SYNTHAD_BLAS changes). Throws BlasNotFoundError. */
export function loadBlas(): Blas {
  const key = process.env.SYNTHAD_BLAS ?? '';
  if (!loaded || loadedFor !== key) {
    loadedFor = key;
    loaded = findBlas();
  }
  if (loaded instanceof BlasNotFoundError) throw loaded;
  return loaded;
}

/** File names tried on this platform, most preferred first. */
export function blasCandidates(platform: NodeJS.Platform = process.platform): string[] {
  const forced = process.env.SYNTHAD_BLAS?.trim();
  if (forced) return [forced];
  if (platform === 'darwin') {
    return [
      '/System/Library/Frameworks/Accelerate.framework/Accelerate',
      '/opt/homebrew/opt/openblas/lib/libopenblas.dylib',
      '/usr/local/opt/openblas/lib/libopenblas.dylib',
    ];
  }
  if (platform === 'win32') return ['libopenblas.dll', 'openblas.dll', 'mkl_rt.2.dll'];
  return [
    'libopenblas.so.0',
    'libopenblasp.so.0',
    'libopenblas.so',
    'libmkl_rt.so.2',
    'libmkl_rt.so',
    'libblas.so.3',
    'libcblas.so.3',
  ];
}

/** How to get a BLAS on this platform, for the one-time hint when none is found. */
export function blasInstallHint(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'macOS ships Accelerate; if it cannot be loaded, `brew install openblas`';
  if (platform === 'win32')
    return "put OpenBLAS's libopenblas.dll (github.com/OpenMathLib/OpenBLAS releases) on the PATH, or set SYNTHAD_BLAS to its path";
  return (
    'install OpenBLAS: `sudo apt install libopenblas0-pthread` (Debian, Ubuntu), `sudo dnf install openblas-threads` (Fedora), ' +
    '`sudo pacman -S openblas` (Arch), or set SYNTHAD_BLAS to a libopenblas or MKL libmkl_rt path'
  );
}

function findBlas(): Blas | BlasNotFoundError {
  let koffi: typeof import('koffi');
  try {
    koffi = require('koffi');
  } catch (err) {
    return new BlasNotFoundError([`the koffi FFI package did not load: ${firstLine(err)}`]);
  }
  const tried: string[] = [];
  for (const name of blasCandidates()) {
    try {
      return openBlas(koffi, name);
    } catch (err) {
      tried.push(`${name}: ${firstLine(err)}`);
    }
  }
  return new BlasNotFoundError(tried);
}

function openBlas(koffi: typeof import('koffi'), name: string): Blas {
  const lib = koffi.load(name);
  const optional = (decl: string): ((...args: unknown[]) => unknown) | undefined => {
    try {
      return lib.func(decl);
    } catch {
      return undefined;
    }
  };
  const sgemmC = lib.func(
    'void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, ' +
      'float *a, int lda, float *b, int ldb, float beta, float *c, int ldc)',
  );
  const openblasConfig = optional('const char *openblas_get_config()');
  const openblasSet = optional('void openblas_set_num_threads(int n)');
  const openblasGet = optional('int openblas_get_num_threads()');
  const mklSet = optional('void MKL_Set_Num_Threads(int n)');
  const mklGet = optional('int MKL_Get_Max_Threads()');
  const setThreads = openblasSet ?? mklSet;
  const getThreads = openblasGet ?? mklGet;
  const vendor = openblasSet ? 'OpenBLAS' : mklSet ? 'MKL' : name.includes('Accelerate') ? 'Accelerate' : 'BLAS';
  // One thread per caller, process-wide (see parallel.ts: a threaded OpenBLAS deadlocks on fork in VS Code).
  setThreads?.(1);
  const singleThreaded = getThreads ? Number(getThreads()) === 1 : false;
  const blas: Blas = {
    library: name,
    vendor,
    singleThreaded,
    config: openblasConfig ? String(openblasConfig()).trim() : undefined,
    sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      sgemmC(
        CblasRowMajor,
        transA ? CblasTrans : CblasNoTrans,
        transB ? CblasTrans : CblasNoTrans,
        m,
        n,
        k,
        alpha,
        a,
        lda,
        b,
        ldb,
        beta,
        c,
        ldc,
      );
    },
  };
  // A broken or mislinked library fails here rather than training garbage: [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50].
  const c = new Float32Array(4);
  blas.sgemm(false, false, 2, 2, 2, 1, Float32Array.of(1, 2, 3, 4), 2, Float32Array.of(5, 6, 7, 8), 2, 0, c, 2);
  if (c[0] !== 19 || c[1] !== 22 || c[2] !== 43 || c[3] !== 50)
    throw new Error(`cblas_sgemm gave [${Array.from(c).join(' ')}] for a known product`);
  return blas;
}

/** The default thread count: every core the process may use. */
export function defaultThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** One line for summaries: `libopenblas.so.0 (OpenBLAS 0.3.21 SkylakeX)`. */
export function describeBlas(blas: Blas): string {
  const what = blas.config
    ? blas.config
        .split(/\s+/)
        .filter((w) => !/^(NO_|DYNAMIC_ARCH|MAX_THREADS)/.test(w))
        .join(' ')
    : blas.vendor;
  return `${blas.library} (${what}${blas.singleThreaded ? '' : ', threads managed by the library'})`;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
