/** `dfd` in SynthAD notebook cells (see globals.d.ts). Loaded by the editor only in notebooks that use `dfd`. */
declare global {
  /** danfojs (`danfojs-node`): DataFrames and Series, loaded by the kernel on first use. */
  const dfd: typeof import('danfojs-node');
}

export {};
