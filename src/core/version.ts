/** Version of the saved-model format; bump when a saved model can no longer be read as before. */
export const MODEL_FORMAT_VERSION = 1;
/** The package version, reported in saved models and by the CLI. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const SYNTHAD_VERSION: string = (() => { try { return require('../../package.json').version; } catch { return '0.0.0'; } })();
