/**
 * Version of the saved-model format written; bump when an older SynthAD could no longer read a saved model.
 * 2: the manifest names its weights file (`weightsFile`), so a model is replaced atomically.
 */
export const MODEL_FORMAT_VERSION = 2;
/** Formats this SynthAD reads: 1 (weights always in weights.bin) and 2. */
export const READABLE_MODEL_FORMATS: ReadonlyArray<number> = [1, 2];
/** The package version, reported in saved models and by the CLI. */
export const SYNTHAD_VERSION: string = (() => {
  try {
    return require('../../package.json').version;
  } catch {
    return '0.0.0';
  }
})();
