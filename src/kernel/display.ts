/**
 * What a cell's value looks like in the notebook, by the display protocol (src/common/mimeBundle.ts): a value
 * with a MIME_BUNDLE method shows itself; plain data of a registered shape goes to its formatter; anything else
 * is shown as text. Nothing here knows SynthAD's types,
 * so a new result type shows itself without a change to this file (bundles.ts: how SynthAD's values look).
 */
import { inspect } from 'util';
import type { MimeBundle } from '../common/protocol';
import { isDisplayable, MIME_BUNDLE } from '../common/mimeBundle';

/**
 * Formatters for plain data that carries no MIME_BUNDLE method, by shape: a copy of a value the cell API handed
 * out (`rows.slice(0, 5)`, `{ ...data }`) keeps its table. IPython's `for_type`; bundles.ts registers SynthAD's.
 */
const formatters: Array<{ readonly test: (v: unknown) => boolean; readonly bundle: (v: never) => MimeBundle }> = [];

export function registerFormatter<T>(test: (v: unknown) => v is T, bundle: (v: T) => MimeBundle): void {
  formatters.push({ test, bundle });
}

export function toMimeBundle(value: unknown): MimeBundle | undefined {
  if (value === undefined) return undefined;
  if (isDisplayable(value)) return value[MIME_BUNDLE]();
  for (const f of formatters) if (f.test(value)) return (f.bundle as (v: unknown) => MimeBundle)(value);
  if (isDataFrame(value)) return { 'text/plain': String((value as { toString(): string }).toString()) };
  return { 'text/plain': inspect(value, { depth: 4, colors: false, maxArrayLength: 50, breakLength: 100 }) };
}

/** danfojs's DataFrame and Series print themselves as tables (their `toString`), not as their internals. */
function isDataFrame(v: unknown): boolean {
  const ctor = (v as { constructor?: { name?: string } } | null)?.constructor?.name;
  return ctor === 'DataFrame' || ctor === 'Series';
}
