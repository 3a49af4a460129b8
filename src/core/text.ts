/**
 * Counting and listing values for messages. No imports, so the extension host (src/core/data/peek.ts)
 * can use it without loading the rest of src/core.
 */

/** How often each value occurs, in first-seen order. */
export function tally(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Values with their counts, most frequent first; ties in code-unit order of the value. */
export function countValues(values: Iterable<string>): Array<[string, number]> {
  return [...tally(values)].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** "a, b, c"; past `most` items, the first `most` then "…". */
export function listFirst(items: ReadonlyArray<string>, most = 10): string {
  const shown = items.slice(0, most).join(', ');
  return items.length > most ? `${shown}, …` : shown;
}

/** "a, b, c"; past `most` names, the first `most` then "… (N in all)". */
export function listNames(names: ReadonlyArray<string>, most = 10): string {
  return names.length > most ? `${listFirst(names, most)} (${names.length} in all)` : names.join(', ');
}

/** "normal 3488, subnormal 191, …": counts from `countValues`, the `most` first. */
export function listCounts(counts: ReadonlyArray<[string, number]>, most = 10): string {
  return listFirst(
    counts.map(([value, count]) => `${value} ${count}`),
    most,
  );
}
