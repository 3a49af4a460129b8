/**
 * What a cell's value looks like in the notebook, by the display protocol (src/common/mimeBundle.ts): a value
 * with a MIME_BUNDLE method shows itself; anything else is shown as text. Nothing here knows SynthAD's types,
 * so a new result type shows itself without a change to this file (bundles.ts: how SynthAD's values look).
 */
import { inspect } from 'util';
import type { MimeBundle } from '../common/protocol';
import { isDisplayable, MIME_BUNDLE } from '../common/mimeBundle';

export function toMimeBundle(value: unknown): MimeBundle | undefined {
  if (value === undefined) return undefined;
  if (isDisplayable(value)) return value[MIME_BUNDLE]();
  if (isDataFrame(value)) return { 'text/plain': String((value as { toString(): string }).toString()) };
  return { 'text/plain': inspect(value, { depth: 4, colors: false, maxArrayLength: 50, breakLength: 100 }) };
}

/** danfojs's DataFrame and Series print themselves as tables (their `toString`), not as their internals. */
function isDataFrame(v: unknown): boolean {
  const ctor = (v as { constructor?: { name?: string } } | null)?.constructor?.name;
  return ctor === 'DataFrame' || ctor === 'Series';
}
