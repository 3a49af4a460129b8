/**
 * The display protocol, IPython's `_repr_mimebundle_` in JavaScript: a value that knows how it looks in a
 * notebook has a method under MIME_BUNDLE returning its MIME bundle. The kernel's `toMimeBundle` asks the
 * value first, so a new result type shows itself without a change to the display code.
 *
 * The key is a registered symbol (`Symbol.for`), so a value made by another copy of this module (another
 * bundle, a package a cell requires) is still recognised. No imports but src/common: any folder may take it.
 */
import type { MimeBundle } from './protocol';

export const MIME_BUNDLE: unique symbol = Symbol.for('synthad.mimeBundle');

/** A value that shows itself: its MIME bundle, rich parts first, with a text fallback. */
export interface Displayable {
  [MIME_BUNDLE](): MimeBundle;
}

export function isDisplayable(value: unknown): value is Displayable {
  return typeof (value as Partial<Displayable> | null | undefined)?.[MIME_BUNDLE] === 'function';
}

/**
 * Gives an object made elsewhere (a plain dataset, report or array from src/core, which knows nothing of
 * presentation) its display, and returns it. The method is non-enumerable: spreads, `Object.keys`, JSON and
 * deep-equality comparisons see the value as before.
 */
export function withMimeBundle<T extends object>(value: T, bundle: (value: T) => MimeBundle): T & Displayable {
  Object.defineProperty(value, MIME_BUNDLE, {
    value: () => bundle(value),
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return value as T & Displayable;
}
