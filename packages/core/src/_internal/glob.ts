/** `*` matches any run of characters, `?` exactly one; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

export function isGlob(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

export function matchesAny(id: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (isGlob(p) ? globToRegExp(p).test(id) : p === id));
}
