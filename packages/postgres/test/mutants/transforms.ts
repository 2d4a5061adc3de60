// Backend-message transforms for the mutant proxy: each one changes one thing in the stream.
import { readFields, writeFields, type BackendTransform } from './proxy.js';

/** Rewrites SQLSTATE `from` to `to` in every ErrorResponse. */
export function rewriteSqlstate(from: string, to: string): BackendTransform {
  return (m, ctx) => {
    if (m.type !== 'E') return m;
    const fields = readFields(m.body);
    let hit = false;
    for (const f of fields) {
      if (f[0] === 'C' && f[1] === from) {
        f[1] = to;
        hit = true;
      }
    }
    if (!hit) return m;
    ctx.mark();
    return { type: 'E', body: writeFields(fields) };
  };
}

/** Drops every message of one type (e.g. 'A' NotificationResponse, 'N' NoticeResponse). */
export function dropMessages(type: string): BackendTransform {
  return (m, ctx) => {
    if (m.type !== type) return m;
    ctx.mark();
    return null;
  };
}

/** Reports `value` instead of the server's value for one ParameterStatus ('S') parameter. */
export function lieInParameterStatus(name: string, value: string): BackendTransform {
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
export function corruptDataRows(from = 0x31, to = 0x32): BackendTransform {
  return (m, ctx) => {
    if (m.type === 'd') {
      // COPY … TO STDOUT data: the first '1' of each CopyData message.
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
export function rewriteCommandTags(map: (tag: string) => string): BackendTransform {
  return (m, ctx) => {
    if (m.type !== 'C') return m;
    const tag = m.body.toString('utf8', 0, Math.max(0, m.body.indexOf(0)));
    const next = map(tag);
    if (next === tag) return m;
    ctx.mark();
    return { type: 'C', body: Buffer.concat([Buffer.from(next, 'utf8'), Buffer.alloc(1)]) };
  };
}

/** Applies several transforms in order (a dropped message stops the chain). */
export function chain(...ts: BackendTransform[]): BackendTransform {
  return (m, ctx) => {
    let msgs = [m];
    for (const t of ts) {
      msgs = msgs.flatMap((x) => {
        const r = t(x, ctx);
        return r === null ? [] : Array.isArray(r) ? r : [r];
      });
    }
    return msgs;
  };
}

/** Replaces the SQLSTATE of every ErrorResponse with `code` (the message text stays). */
export function eraseSqlstates(code: string): BackendTransform {
  return (m, ctx) => {
    if (m.type !== 'E') return m;
    const fields = readFields(m.body);
    for (const f of fields) if (f[0] === 'C' && f[1] !== code) f[1] = code;
    ctx.mark();
    return { type: 'E', body: writeFields(fields) };
  };
}

/** Every NULL field (length -1) of every DataRow becomes an empty value (length 0). */
export function nullsAsEmpty(): BackendTransform {
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
export function rowDescriptionAllText(): BackendTransform {
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

/**
 * Sends nothing the server answers to Parse/Bind/Describe/Execute/Close before the ReadyForQuery
 * that follows Sync: results are held back and released together (Flush is ignored).
 * Asynchronous and COPY messages pass at once.
 */
export function holdUntilReady(): BackendTransform {
  const held = new WeakMap<object, Array<{ type: string; body: Buffer }>>();
  const immediate = new Set(['A', 'N', 'S', 'R', 'K', 'G', 'H', 'W', 'd', 'c', 'E', 'Z', 'I']);
  return (m, ctx) => {
    const queue = held.get(ctx) ?? [];
    held.set(ctx, queue);
    if (m.type === 'Z' || m.type === 'E') {
      const out = [...queue.splice(0), m];
      return out;
    }
    if (immediate.has(m.type)) return m;
    queue.push(m);
    ctx.mark();
    return [];
  };
}

/** In a SCRAM AuthenticationSASLFinal ('R', code 12), changes one character of the server signature `v=…`. */
export function corruptScramServerSignature(onlyFor: (startup: Record<string, string>) => boolean = () => true): BackendTransform {
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
export function rewriteValuePrefix(from: string, to: string): BackendTransform {
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

/** Command tags report one row more than the server did (INSERT 0 n, UPDATE n, DELETE n, SELECT n, …). */
export function inflateRowCounts(): BackendTransform {
  return rewriteCommandTags((tag) => tag.replace(/^((?:INSERT \d+|UPDATE|DELETE|SELECT|MOVE|FETCH|COPY|MERGE) )(\d+)$/, (_, head: string, n: string) => `${head}${Number(n) + 1}`));
}

/** RowDescription ('T') reports every column name in upper case (as an endpoint folding identifiers to upper case would). */
export function upperCaseColumnNames(): BackendTransform {
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
