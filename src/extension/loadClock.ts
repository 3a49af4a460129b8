/**
 * When the extension's code started to load: extension.ts imports this module first, so in the bundle
 * (dist/extension.js) it runs before any other module. performance.now() is the extension host's clock,
 * the same the integration tests read, so activation can be split into VS Code's part and ours.
 */
export const MODULE_LOAD_START = performance.now();
