import { isGlob } from './_internal/glob.js';
import type { Expectations } from './expectations.js';

/** Edit distance counting a swap of two neighbours as one edit (typos swap keys); inputs are short. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known ID closest to `id` (at most two edits away), for "did you mean". */
export function nearestId(id: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = distance(id.toUpperCase(), k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/**
 * Exact IDs (not globs) an expectations file names that the suite has never had. An ID the
 * registry lists as retired is known (its entry only matches nothing, which is a warning); a
 * glob that matches nothing stays a warning too. Returns one line describing them, or null.
 */
export function unknownExpectationIds(expectations: Expectations | undefined, knownIds: Iterable<string>, file: string | undefined): string | null {
  const known = new Set(knownIds);
  const unknown = Object.keys(expectations?.expectations ?? {}).filter((k) => !isGlob(k) && !known.has(k));
  if (!unknown.length) return null;
  const named = unknown.map((id) => {
    const near = nearestId(id, known);
    return near ? `${id} (did you mean ${near}?)` : id;
  });
  return `expectations${file ? ` file ${file}` : ''} names ${unknown.length === 1 ? 'an ID' : 'IDs'} this suite has never had: ${named.join(', ')}`;
}
