// @ts-check
/**
 * TypeScript server plugin of the SynthAD VS Code extension (contributes.typescriptServerPlugins).
 *
 * VS Code's TypeScript extension serves completions, hovers and signature help in TypeScript notebook
 * cells, each cell on its own: it knows neither the names earlier cells declare nor the globals the
 * SynthAD kernel puts in scope. In notebooks whose kernel is SynthAD the extension serves these itself,
 * from the whole notebook (src/extension/intellisense.ts); this plugin keeps tsserver from answering
 * there too, so every completion item and hover appears once. Everything else (definitions, references,
 * highlights, formatting) and every other file is left as it is.
 *
 * Configuration, sent by the extension with the TypeScript extension's `configurePlugin`:
 *   { notebooks: string[] }   the URI paths of the SynthAD notebooks (a cell's URI path is its notebook's)
 * tsserver names a cell `^/vscode-notebook-cell/<authority>/<path>#<fragment>` (VS Code's in-memory files).
 * Plain JavaScript with no dependencies: tsserver loads it from node_modules/synthad-ts-plugin.
 */
'use strict';

const CELL = /^\^?\/vscode-notebook-cell\/[^/]*(\/[^#]*)(?:#.*)?$/;

/** The notebook path of a tsserver file name, or undefined when the file is no notebook cell. @param {string} fileName */
function notebookPathOf(fileName) {
  const m = CELL.exec(fileName.replace(/\\/g, '/'));
  return m ? m[1] : undefined;
}

/** @param {string} p */
function normalize(p) {
  return p.startsWith('/') ? p : `/${p}`;
}

/** Methods whose answers the extension gives for SynthAD cells. */
const SILENCED = [
  'getCompletionsAtPosition',
  'getCompletionEntryDetails',
  'getQuickInfoAtPosition',
  'getSignatureHelpItems',
];

/** @type {import('./index').PluginModuleFactory} */
function init() {
  /** @type {Set<string>} */
  let notebooks = new Set();
  /** @param {string} fileName */
  const silenced = (fileName) => {
    if (notebooks.size === 0) return false;
    const p = notebookPathOf(fileName);
    return p !== undefined && notebooks.has(p);
  };
  return {
    create(info) {
      const ls = info.languageService;
      /** @type {Record<string, unknown>} */
      const proxy = Object.create(null);
      for (const key of Object.keys(ls)) {
        const value = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (ls))[key];
        proxy[key] = typeof value === 'function' ? value.bind(ls) : value;
      }
      for (const key of SILENCED) {
        const original = /** @type {Record<string, (fileName: string, ...rest: unknown[]) => unknown>} */ (
          /** @type {unknown} */ (ls)
        )[key];
        if (typeof original !== 'function') continue;
        proxy[key] = (/** @type {string} */ fileName, /** @type {unknown[]} */ ...rest) =>
          silenced(fileName) ? undefined : original.call(ls, fileName, ...rest);
      }
      return /** @type {import('./index').LanguageServiceLike} */ (/** @type {unknown} */ (proxy));
    },
    onConfigurationChanged(config) {
      const list = config && Array.isArray(config.notebooks) ? config.notebooks : [];
      notebooks = new Set(list.filter((p) => typeof p === 'string').map(normalize));
    },
  };
}

init.notebookPathOf = notebookPathOf;
module.exports = init;
