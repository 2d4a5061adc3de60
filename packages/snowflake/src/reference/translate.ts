// The reference endpoint's SQL layer: the few Snowflake spellings the catalog (and a snowflake-sdk
// user's first statements) use, rewritten for the PostgreSQL dialect underneath. It is a
// translation of spellings, not a Snowflake compiler: what it does not rewrite reaches PostgreSQL
// as written (see the README's "What the reference endpoint leaves out").

/** What the endpoint does with one statement. */
export type Plan =
  | { kind: 'sql'; sql: string }
  /** `SELECT SYSTEM$WAIT(n [, 'unit'])`: served by the endpoint itself (an abortable timer), not the SQL engine. */
  | { kind: 'wait'; ms: number; column: string; seconds: number; unit: string }
  /** `USE SCHEMA x`: the session's current schema. */
  | { kind: 'use-schema'; schema: string }
  /** `ALTER SESSION SET NAME = value`: kept by the session (and echoed in the result's parameters). */
  | { kind: 'alter-session'; name: string; value: string }
  /** `SHOW PARAMETERS [LIKE 'pattern'] [IN SESSION]`: the session's parameters. */
  | { kind: 'show-parameters'; like: string | undefined }
  /** `BEGIN [WORK | TRANSACTION]`, `START TRANSACTION`, `COMMIT [WORK]`, `ROLLBACK [WORK]`: the session's transaction. */
  | { kind: 'transaction'; action: 'begin' | 'commit' | 'rollback' };

/** Replaces the parts of `sql` outside string literals and quoted identifiers with `f(part)`. */
function outsideQuotes(sql: string, f: (part: string) => string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const q = sql.slice(i).search(/['"]/);
    if (q < 0) return out + f(sql.slice(i));
    out += f(sql.slice(i, i + q));
    const quote = sql[i + q] as string;
    let j = i + q + 1;
    // '' (or "") inside a literal is an escaped quote.
    for (;;) {
      const k = sql.indexOf(quote, j);
      if (k < 0) {
        j = sql.length;
        break;
      }
      if (sql[k + 1] === quote) {
        j = k + 2;
        continue;
      }
      j = k + 1;
      break;
    }
    out += sql.slice(i + q, j);
    i = j;
  }
  return out;
}

/** Splits a multi-statement text at semicolons outside literals; empty statements are dropped. */
export function splitStatements(sql: string): string[] {
  const marker = '\u0000;';
  return outsideQuotes(sql, (p) => p.replace(/;/g, marker))
    .split(marker)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Snowflake type names → PostgreSQL's (column definitions and casts). */
const TYPES: Array<[RegExp, string]> = [
  [/\bNUMBER\b/gi, 'NUMERIC'],
  [/\b(?:VARIANT|OBJECT)\b/gi, 'JSONB'],
  [/\bTIMESTAMP_TZ\b/gi, 'TIMESTAMPTZ'],
  [/\bTIMESTAMP_LTZ\b/gi, 'TIMESTAMPTZ'],
  [/\bTIMESTAMP_NTZ\b/gi, 'TIMESTAMP'],
  [/\b(?:VAR)?BINARY\b/gi, 'BYTEA'],
  [/\bSTRING\b/gi, 'TEXT'],
  [/\b(?:FLOAT[48]?|DOUBLE)\b(?!\s+PRECISION)/gi, 'DOUBLE PRECISION'],
];

/**
 * Rewrites one statement's Snowflake spellings; `?` and `:N` binds become `$N`, followed by
 * `castOf(N)` when given (the bind's type as the driver declared it: PostgreSQL cannot infer a
 * parameter's type everywhere Snowflake converts one implicitly).
 */
export function translate(statement: string, castOf: (n: number) => string | undefined = () => undefined): Plan {
  const s = statement.trim().replace(/;\s*$/, '');
  const wait = /^SELECT\s+SYSTEM\$WAIT\s*\(\s*(\d+(?:\.\d+)?)\s*(?:,\s*'(\w+)'\s*)?\)\s*(?:AS\s+("?)(\w+)\3)?$/i.exec(s);
  if (wait) {
    const n = Number(wait[1]);
    const unit = (wait[2] ?? 'SECONDS').toUpperCase();
    const factor = unit.startsWith('MILLI') ? 1 : unit.startsWith('MIN') ? 60_000 : unit.startsWith('HOUR') ? 3_600_000 : 1000;
    const column = wait[4] ? (wait[3] ? wait[4] : wait[4].toUpperCase()) : `SYSTEM$WAIT(${wait[1]})`;
    return { kind: 'wait', ms: n * factor, column, seconds: n, unit: unit.toLowerCase() };
  }
  const use = /^USE\s+SCHEMA\s+("?)([\w$]+)\1$/i.exec(s);
  if (use) return { kind: 'use-schema', schema: use[1] ? (use[2] as string) : (use[2] as string).toLowerCase() };
  const alter = /^ALTER\s+SESSION\s+SET\s+(\w+)\s*=\s*(?:'((?:[^']|'')*)'|(\S+))$/i.exec(s);
  if (alter) return { kind: 'alter-session', name: (alter[1] as string).toUpperCase(), value: alter[2] !== undefined ? alter[2].replace(/''/g, "'") : (alter[3] as string) };
  if (/^(?:BEGIN(?:\s+(?:WORK|TRANSACTION))?|START\s+TRANSACTION)(?:\s+NAME\s+\w+)?$/i.test(s)) return { kind: 'transaction', action: 'begin' };
  if (/^COMMIT(?:\s+WORK)?$/i.test(s)) return { kind: 'transaction', action: 'commit' };
  if (/^ROLLBACK(?:\s+WORK)?$/i.test(s)) return { kind: 'transaction', action: 'rollback' };
  const show = /^SHOW\s+PARAMETERS(?:\s+LIKE\s+'((?:[^']|'')*)')?(?:\s+IN\s+SESSION)?$/i.exec(s);
  if (show) return { kind: 'show-parameters', like: show[1]?.replace(/''/g, "'") };
  let n = 0;
  const sql = outsideQuotes(s, (part) => {
    const bind = (i: number): string => `$${i}${castOf(i) ?? ''}`;
    let p = part.replace(/:(\d+)\b/g, (_m, d: string) => bind(Number(d))).replace(/\?/g, () => bind(++n));
    for (const [re, to] of TYPES) p = p.replace(re, to);
    p = p
      .replace(/\bTABLE\s*\(\s*GENERATOR\s*\(\s*ROWCOUNT\s*=>\s*(\d+)\s*\)\s*\)/gi, (_m, c: string) => `generate_series(0, ${Number(c) - 1}) AS _hc_gen(seq)`)
      .replace(/\bSEQ[1248]\s*\(\s*\)/gi, '(_hc_gen.seq)')
      .replace(/\bPARSE_JSON\s*\(/gi, 'hc_parse_json(')
      .replace(/\bTO_BINARY\s*\(/gi, 'hc_to_binary(')
      .replace(/\bTO_TIMESTAMP_TZ\s*\(/gi, 'hc_to_timestamptz(')
      .replace(/\bIFF\s*\(/gi, 'hc_iff(')
      .replace(/\bTO_(?:VARCHAR|CHAR)\s*\(/gi, 'hc_to_varchar(');
    return p;
  });
  return { kind: 'sql', sql: rewriteCalls(sql) };
}

/** Finds the argument list of a call starting at `open` (the index of its parenthesis). */
function callArgs(sql: string, open: number): { args: string[]; end: number } | null {
  let depth = 0;
  let start = open + 1;
  const args: string[] = [];
  let quote: string | null = null;
  for (let i = open; i < sql.length; i++) {
    const c = sql[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(start, i).trim());
        return { args, end: i };
      }
    } else if (c === ',' && depth === 1) {
      args.push(sql.slice(start, i).trim());
      start = i + 1;
    }
  }
  return null;
}

/** The placeholder calls of {@link translate} rewritten as PostgreSQL expressions. */
function rewriteCalls(sql: string): string {
  const re = /\bhc_(parse_json|to_binary|to_timestamptz|to_varchar|iff)\(/;
  for (let guard = 0; guard < 1000; guard++) {
    const m = re.exec(sql);
    if (!m) return sql;
    const open = m.index + m[0].length - 1;
    const call = callArgs(sql, open);
    if (!call) return sql;
    const [a = 'NULL', b, c] = call.args;
    let expr: string;
    switch (m[1]) {
      case 'parse_json':
        expr = `(${a})::jsonb`;
        break;
      case 'to_binary':
        expr = `decode(${a}, ${b && /base64/i.test(b) ? "'base64'" : "'hex'"})`;
        break;
      case 'to_timestamptz':
        expr = `(${a})::timestamptz`;
        break;
      case 'to_varchar':
        expr = `(${a})::text`;
        break;
      default:
        expr = `(CASE WHEN ${a} THEN ${b ?? 'NULL'} ELSE ${c ?? 'NULL'} END)`;
    }
    sql = sql.slice(0, m.index) + expr + sql.slice(call.end + 1);
  }
  return sql;
}
