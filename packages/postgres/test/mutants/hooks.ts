// Server-side hooks for the suite kit's framing proxy: each one changes one thing in the backend's
// message stream, turning a real PostgreSQL into a mutant endpoint the suite must catch.
import type { FrameHook, PgFrame } from '@helios-conformance/suite-kit';
import { errorBody, errorFieldList } from '@helios-conformance/sql/pg-wire';

type Hook = FrameHook<PgFrame>;

/** Rewrites SQLSTATE `from` to `to` in every ErrorResponse. */
export function rewriteSqlstate(from: string, to: string): Hook {
  return (m, ctx) => {
    if (m.type !== 'E') return m;
    const fields = errorFieldList(m.body);
    if (!fields.some(([c, v]) => c === 'C' && v === from)) return m;
    ctx.mark();
    return { type: 'E', body: errorBody(fields.map(([c, v]) => [c, c === 'C' && v === from ? to : v])) };
  };
}

/** Replaces the SQLSTATE of every ErrorResponse with `code` (the message text stays). */
export function eraseSqlstates(code: string): Hook {
  return (m, ctx) => {
    if (m.type !== 'E') return m;
    ctx.mark();
    return { type: 'E', body: errorBody(errorFieldList(m.body).map(([c, v]) => [c, c === 'C' ? code : v])) };
  };
}

/** Drops every message of one type (e.g. 'A' NotificationResponse, 'N' NoticeResponse). */
export function dropMessages(type: string): Hook {
  return (m, ctx) => {
    if (m.type !== type) return m;
    ctx.mark();
    return null;
  };
}

/** Reports `value` instead of the server's value for one ParameterStatus ('S') parameter. */
export function lieInParameterStatus(name: string, value: string): Hook {
  return (m, ctx) => {
    if (m.type !== 'S') return m;
    const zero = m.body.indexOf(0);
    if (zero < 0 || m.body.toString('utf8', 0, zero) !== name) return m;
    ctx.mark();
    return { type: 'S', body: Buffer.concat([Buffer.from(name, 'utf8'), Buffer.alloc(1), Buffer.from(value, 'utf8'), Buffer.alloc(1)]) };
  };
}

/**
 * Data corruption: in every DataRow ('D'), the first byte '1' (0x31) of each non-NULL field value
 * becomes '2', and so does the first '1' of every CopyData ('d') the server sends (COPY TO STDOUT).
 * Text-format numbers, dates and strings containing a 1 change; everything else passes.
 */
export function corruptDataRows(from = 0x31, to = 0x32): Hook {
  return (m, ctx) => {
    if (m.type === 'd') {
      const at = m.body.indexOf(from);
      if (at >= 0) {
        m.body[at] = to;
        ctx.mark();
      }
      return m;
    }
    if (m.type !== 'D') return m;
    const n = m.body.readInt16BE(0);
    let p = 2;
    let hit = false;
    for (let i = 0; i < n && p + 4 <= m.body.length; i++) {
      const len = m.body.readInt32BE(p);
      p += 4;
      if (len < 0) continue;
      const at = m.body.indexOf(from, p);
      if (at >= 0 && at < p + len) {
        m.body[at] = to;
        hit = true;
      }
      p += len;
    }
    if (hit) ctx.mark();
    return m;
  };
}

/** Rewrites CommandComplete ('C') tags: `map(tag)` returns the tag to report (or the same tag). */
export function rewriteCommandTags(map: (tag: string) => string): Hook {
  return (m, ctx) => {
    if (m.type !== 'C') return m;
    const tag = m.body.toString('utf8', 0, Math.max(0, m.body.indexOf(0)));
    const next = map(tag);
    if (next === tag) return m;
    ctx.mark();
    return { type: 'C', body: Buffer.concat([Buffer.from(next, 'utf8'), Buffer.alloc(1)]) };
  };
}

/**
 * The deadlock victim is told its UPDATE succeeded: its 40P01 ErrorResponse becomes CommandComplete
 * `UPDATE 1`, and the ReadyForQuery after it says "in a transaction" instead of "failed transaction".
 */
export function deadlockAsSuccess(): Hook {
  return (m, ctx) => {
    if (m.type === 'E' && errorFieldList(m.body).some(([c, v]) => c === 'C' && v === '40P01')) {
      ctx.mark();
      ctx.state.faked = true;
      return { type: 'C', body: Buffer.from('UPDATE 1\0', 'utf8') };
    }
    if (m.type === 'Z' && ctx.state.faked) {
      ctx.state.faked = false;
      return { type: 'Z', body: Buffer.from('T') };
    }
    return m;
  };
}

/** Command tags report one row more than the server did (INSERT 0 n, UPDATE n, DELETE n, SELECT n, …). */
export function inflateRowCounts(): Hook {
  return rewriteCommandTags((tag) => tag.replace(/^((?:INSERT \d+|UPDATE|DELETE|SELECT|MOVE|FETCH|COPY|MERGE) )(\d+)$/, (_, head: string, n: string) => `${head}${Number(n) + 1}`));
}

/** Every NULL field (length -1) of every DataRow becomes an empty value (length 0). */
export function nullsAsEmpty(): Hook {
  return (m, ctx) => {
    if (m.type !== 'D') return m;
    const n = m.body.readInt16BE(0);
    let p = 2;
    for (let i = 0; i < n && p + 4 <= m.body.length; i++) {
      const len = m.body.readInt32BE(p);
      if (len < 0) {
        m.body.writeInt32BE(0, p);
        ctx.mark();
      }
      p += 4 + Math.max(0, len);
    }
    return m;
  };
}

/** Every column of every RowDescription ('T') is described as text (format 0), whatever was asked for. */
export function rowDescriptionAllText(): Hook {
  return (m, ctx) => {
    if (m.type !== 'T') return m;
    const n = m.body.readInt16BE(0);
    let p = 2;
    for (let i = 0; i < n; i++) {
      const zero = m.body.indexOf(0, p);
      if (zero < 0) break;
      const fmt = zero + 1 + 16; // table OID 4, column 2, type OID 4, size 2, typmod 4, then format 2
      if (fmt + 2 > m.body.length) break;
      if (m.body.readInt16BE(fmt) !== 0) {
        m.body.writeInt16BE(0, fmt);
        ctx.mark();
      }
      p = fmt + 2;
    }
    return m;
  };
}

/** RowDescription ('T') reports every column name in upper case (as an endpoint folding identifiers to upper case would). */
export function upperCaseColumnNames(): Hook {
  return (m, ctx) => {
    if (m.type !== 'T') return m;
    const n = m.body.readInt16BE(0);
    const parts: Buffer[] = [m.body.subarray(0, 2)];
    let p = 2;
    for (let i = 0; i < n; i++) {
      const zero = m.body.indexOf(0, p);
      if (zero < 0) return m;
      parts.push(Buffer.from(m.body.toString('utf8', p, zero).toUpperCase(), 'utf8'), m.body.subarray(zero, zero + 19));
      p = zero + 19;
    }
    ctx.mark();
    return { type: 'T', body: Buffer.concat(parts) };
  };
}

/** Messages the client gets at once even while answers are held back: asynchronous, startup and COPY messages. */
const IMMEDIATE = new Set(['A', 'N', 'S', 'R', 'K', 'G', 'H', 'W', 'd', 'c', 'E', 'Z', 'I']);

/**
 * Sends nothing the server answers to Parse/Bind/Describe/Execute/Close before the ReadyForQuery
 * that follows Sync: results are held back and released together (Flush is ignored).
 */
export function holdUntilReady(): Hook {
  return (m, ctx) => {
    const held = ((ctx.state.held as PgFrame[] | undefined) ??= []);
    if (m.type === 'Z' || m.type === 'E') return [...held.splice(0), m];
    if (IMMEDIATE.has(m.type)) return m;
    held.push(m);
    ctx.mark();
    return [];
  };
}

/** In a SCRAM AuthenticationSASLFinal ('R', code 12), changes one character of the server signature `v=…`. */
export function corruptScramServerSignature(onlyFor: (startup: Record<string, string>) => boolean = () => true): Hook {
  return (m, ctx) => {
    if (m.type !== 'R' || m.body.length < 8 || m.body.readInt32BE(0) !== 12 || !onlyFor(ctx.startup)) return m;
    const at = m.body.indexOf('v=', 4, 'latin1');
    if (at < 0 || at + 2 >= m.body.length) return m;
    m.body[at + 2] = m.body[at + 2] === 0x41 /* A */ ? 0x42 : 0x41;
    ctx.mark();
    return m;
  };
}

/** In DataRow text values starting with `from`, replaces that prefix with `to`. */
export function rewriteValuePrefix(from: string, to: string): Hook {
  const f = Buffer.from(from, 'utf8');
  const t = Buffer.from(to, 'utf8');
  return (m, ctx) => {
    if (m.type !== 'D') return m;
    const n = m.body.readInt16BE(0);
    const parts: Buffer[] = [m.body.subarray(0, 2)];
    let p = 2;
    let hit = false;
    for (let i = 0; i < n && p + 4 <= m.body.length; i++) {
      const len = m.body.readInt32BE(p);
      if (len < 0) {
        parts.push(m.body.subarray(p, p + 4));
        p += 4;
        continue;
      }
      let value = m.body.subarray(p + 4, p + 4 + len);
      if (value.subarray(0, f.length).equals(f)) {
        value = Buffer.concat([t, value.subarray(f.length)]);
        hit = true;
      }
      const head = Buffer.alloc(4);
      head.writeInt32BE(value.length);
      parts.push(head, value);
      p += 4 + len;
    }
    if (!hit) return m;
    ctx.mark();
    return { type: 'D', body: Buffer.concat(parts) };
  };
}


/**
 * Refuses the login of matching sessions as a pooler does (PgBouncer answers a refused client
 * with an ErrorResponse of SQLSTATE 08P01): the server's first message becomes a FATAL
 * ErrorResponse with `code` and `message`, and nothing the server sends afterwards reaches the
 * client.
 */
export function refuseLogin(onlyFor: (startup: Record<string, string>) => boolean, code: string, message: string): Hook {
  return (m, ctx) => {
    if (ctx.state.refused === true) return null;
    if (ctx.state.started === true || !onlyFor(ctx.startup)) {
      ctx.state.started = true;
      return m;
    }
    ctx.state.refused = true;
    ctx.mark();
    return { type: 'E', body: errorBody([['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', message]]) };
  };
}

/**
 * A transaction-mode pooler's effect on one session, without the pooler: before the first
 * message a client sends after its session went idle (ReadyForQuery 'I', the end of each
 * transaction), the proxy sends the server `DISCARD ALL` and swallows its answer. Every
 * transaction therefore starts in a fresh-looking session (settings reset, prepared statements,
 * cursors, temporary tables and advisory locks gone), as when a pooler hands the client another
 * server session. A LOADed library is not discarded (PG-105 is shown to fail through PgBouncer).
 */
export function discardAllBetweenTransactions(): { client: Hook; server: Hook } {
  return {
    client: (m, ctx) => {
      if (ctx.state.idle !== true || !'QPBDECSFH'.includes(m.type) || m.type === 'X') return m;
      ctx.state.idle = false;
      ctx.state.swallow = ((ctx.state.swallow as number | undefined) ?? 0) + 1;
      ctx.mark();
      return [{ type: 'Q', body: Buffer.from('DISCARD ALL\0', 'utf8') }, m];
    },
    server: (m, ctx) => {
      const swallow = (ctx.state.swallow as number | undefined) ?? 0;
      if (swallow > 0) {
        // The answer to the injected DISCARD ALL: CommandComplete, then ReadyForQuery.
        if (m.type === 'Z') ctx.state.swallow = swallow - 1;
        return null;
      }
      if (m.type === 'Z') ctx.state.idle = m.body.toString('latin1') === 'I';
      return m;
    },
  };
}
