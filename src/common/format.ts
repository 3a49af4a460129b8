/**
 * Formatting shared by the CLI, the extension host and the kernel. No imports: the host bundle and the
 * CLI's progress line take it without loading anything else.
 */

/** A duration for progress lines: `12s`, `4m05s`, `1h02m`. */
export function formatSeconds(s: number): string {
  const total = Math.round(s);
  if (total < 60) return `${total}s`;
  const m = Math.floor(total / 60);
  return m < 60
    ? `${m}m${String(total % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
