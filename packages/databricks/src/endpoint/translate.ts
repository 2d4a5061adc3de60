// The few rewrites from Databricks SQL to PostgreSQL that the suite's own statements need: parameter
// markers (`?`, `:name`), Spark type names in CREATE TABLE, `range(n)`, `array(...)` and
// `named_struct(...)`. Everything else is passed to PostgreSQL as written (see the README's list of
// what the reference endpoint does not do).

/** A piece of SQL text: code (rewritable) or a quoted literal / identifier / comment (kept as is). */
interface Piece {
  code: boolean;
  text: string;
}

/** Splits SQL into code and non-code pieces ('…', "…", `…`, -- and /* comments). */
export function splitSql(sql: string): Piece[] {
  const out: Piece[] = [];
  let code = '';
  let i = 0;
  const flush = (): void => {
    if (code) out.push({ code: true, text: code });
    code = '';
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === '\\' && c === "'") j++;
        else if (sql[j] === c) {
          if (sql[j + 1] === c) j++;
          else break;
        }
      }
      flush();
      let lit = sql.slice(i, j + 1);
      // Spark quotes identifiers with backticks; PostgreSQL with double quotes.
      if (c === '`') lit = `"${lit.slice(1, -1).replace(/"/g, '""')}"`;
      out.push({ code: false, text: lit });
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      const end = j < 0 ? sql.length : j;
      flush();
      out.push({ code: false, text: sql.slice(i, end) });
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const j = sql.indexOf('*/', i + 2);
      const end = j < 0 ? sql.length : j + 2;
      flush();
      out.push({ code: false, text: sql.slice(i, end) });
      i = end;
    } else {
      code += c;
      i++;
    }
  }
  flush();
  return out;
}

/** How one parameter marker of the statement was bound. */
export interface Marker {
  /** 1-based position in the PostgreSQL statement ($n). */
  index: number;
  /** `:name` markers: the name; `?` markers: undefined. */
  name?: string;
}

/**
 * Replaces `?` (ordinal) and `:name` (named) markers outside literals and comments with `$n`.
 * A named marker used twice gets one `$n`. `::` (a cast) is not a marker.
 */
export function bindMarkers(sql: string): { text: string; markers: Marker[] } {
  const markers: Marker[] = [];
  const named = new Map<string, number>();
  const pieces = splitSql(sql).map((p) => {
    if (!p.code) return p.text;
    return p.text.replace(/::|\?|(?<![\w:]):([A-Za-z_][A-Za-z0-9_]*)/g, (m, name: string | undefined) => {
      if (m === '::') return m;
      if (name === undefined) {
        markers.push({ index: markers.length + 1 });
        return `$${markers.length}`;
      }
      let index = named.get(name);
      if (index === undefined) {
        index = markers.length + 1;
        named.set(name, index);
        markers.push({ index, name });
      }
      return `$${index}`;
    });
  });
  return { text: pieces.join(''), markers };
}

/** Replaces `fn(` … matching `)` in code pieces with `open` … `close`, innermost last. */
function rewriteCall(pieces: Piece[], fn: RegExp, open: (args: string) => string): Piece[] {
  // Work on the joined text with literals masked, so parentheses inside strings don't count.
  const masks: string[] = [];
  let text = pieces.map((p) => (p.code ? p.text : `\u{E000}${masks.push(p.text) - 1}\u{E001}`)).join('');
  for (let guard = 0; guard < 100; guard++) {
    const m = fn.exec(text);
    if (!m) break;
    const start = m.index;
    let depth = 0;
    let end = -1;
    for (let j = start + m[0].length - 1; j < text.length; j++) {
      if (text[j] === '(') depth++;
      else if (text[j] === ')' && --depth === 0) {
        end = j;
        break;
      }
    }
    if (end < 0) break;
    text = text.slice(0, start) + open(text.slice(start + m[0].length, end)) + text.slice(end + 1);
  }
  const restored = text.replace(/\u{E000}(\d+)\u{E001}/gu, (_m, i: string) => masks[Number(i)] as string);
  return [{ code: true, text: restored }];
}

const TYPE_WORDS: Record<string, string> = { STRING: 'TEXT', BINARY: 'BYTEA', TIMESTAMP: 'TIMESTAMPTZ', TIMESTAMP_NTZ: 'TIMESTAMP', DOUBLE: 'DOUBLE PRECISION', FLOAT: 'REAL', TINYINT: 'SMALLINT' };

/**
 * Rewrites one Databricks SQL statement for PostgreSQL: markers, Spark type names in
 * CREATE TABLE, `range(a[, b])` in FROM, `array(…)`, `named_struct(…)`, `current_timezone()`.
 */
export function toPostgres(sql: string): { text: string; markers: Marker[] } {
  let pieces = splitSql(sql.trim().replace(/;\s*$/, ''));
  const isCreateTable = /^\s*CREATE\s+(OR\s+REPLACE\s+)?TABLE\b/i.test(sql);
  pieces = pieces.map((p) => {
    if (!p.code) return p;
    let t = p.text;
    if (isCreateTable) t = t.replace(/\b(STRING|BINARY|TIMESTAMP_NTZ|TIMESTAMP|DOUBLE|FLOAT|TINYINT)\b/gi, (w) => TYPE_WORDS[w.toUpperCase()] ?? w);
    // Spark's range(n) / range(a, b) is a table of `id` BIGINT values; the alias keeps the column name.
    t = t.replace(/\brange\s*\(\s*([^,()]+?)\s*(?:,\s*([^,()]+?)\s*)?\)(\s+(?:AS\s+)?(?!(?:WHERE|ORDER|GROUP|CROSS|JOIN|INNER|LEFT|RIGHT|FULL|ON|LIMIT|UNION|HAVING|WINDOW|EXCEPT|INTERSECT|NATURAL)\b)([A-Za-z_]\w*))?/gi, (_m, a: string, b: string | undefined, _as: string | undefined, alias: string | undefined) => {
      const [from, to] = b === undefined ? ['0', a] : [a, b];
      return `generate_series((${from})::bigint, (${to})::bigint - 1) AS ${alias ?? 'range'}(id)`;
    });
    // CAST(x AS STRING) and friends: Spark type names PostgreSQL does not know.
    t = t.replace(/\bAS\s+(STRING|BINARY|DOUBLE|TINYINT|TIMESTAMP_NTZ)\b(?!\s+PRECISION)/gi, (_m, w: string) => `AS ${TYPE_WORDS[w.toUpperCase()] ?? w}`);
    t = t.replace(/\bcurrent_timezone\s*\(\s*\)/gi, "current_setting('TimeZone')");
    return { code: true, text: t };
  });
  pieces = rewriteCall(pieces, /\barray\s*\(/i, (args) => `ARRAY[${args}]`);
  pieces = rewriteCall(pieces, /\bnamed_struct\s*\(/i, (args) => `json_build_object(${args})`);
  pieces = rewriteCall(pieces, /\bunhex\s*\(/i, (args) => `decode(${args}, 'hex')`);
  return bindMarkers(pieces.map((p) => p.text).join(''));
}

/** What kind of statement this is, by its first keyword. */
export function statementKind(sql: string): 'query' | 'dml' | 'set' | 'ddl' | 'other' {
  const word = /^\s*(?:\(\s*)*([A-Za-z]+)/.exec(splitSql(sql).find((p) => p.code && p.text.trim())?.text ?? '')?.[1]?.toUpperCase();
  if (word === 'SELECT' || word === 'WITH' || word === 'VALUES' || word === 'TABLE' || word === 'SHOW' || word === 'EXPLAIN') return 'query';
  if (word === 'INSERT' || word === 'UPDATE' || word === 'DELETE' || word === 'MERGE') return 'dml';
  if (word === 'SET') return 'set';
  if (['CREATE', 'DROP', 'ALTER', 'TRUNCATE', 'USE', 'GRANT', 'REVOKE', 'COMMENT', 'ANALYZE', 'BEGIN', 'COMMIT', 'ROLLBACK'].includes(word ?? '')) return 'ddl';
  return 'other';
}
