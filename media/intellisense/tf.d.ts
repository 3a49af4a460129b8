/** `tf` in SynthAD notebook cells (see globals.d.ts). Loaded by the editor only in notebooks that use `tf`. */
declare global {
  /** TensorFlow.js (`@tensorflow/tfjs`), the instance SynthAD trains with. */
  const tf: typeof import('@tensorflow/tfjs');
}

export {};
