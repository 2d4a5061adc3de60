// Mutant endpoints for the vector suite: hooks on the suite kit's framing proxy in front of a real
// PGlite + pgvector. Each breaks one thing — the SQL the suite sends or the rows it gets back — and
// must make named cases fail.
import { rewriteSql, startProxy, type FrameHook, type PgFrame, type Proxy } from '@helios-conformance/suite-kit';

/** A mutant: hooks on the frames the client sends and/or the frames the server answers. */
export interface Mutant {
  name: string;
  client?: FrameHook<PgFrame>;
  server?: FrameHook<PgFrame>;
}

/** Starts the kit's proxy with the mutant's hooks in front of `upstream`. */
export function startMutant(upstream: { host: string; port: number }, m: Mutant): Promise<Proxy> {
  return startProxy({ family: 'postgres', upstream, client: m.client, server: m.server });
}

/** The search parameter forced very low: every `SET hnsw.ef_search = N` becomes `= 1`. */
export const efSearchOne: Mutant = {
  name: 'ef-search-one',
  client: rewriteSql((sql) => sql.replace(/SET hnsw\.ef_search = \d+/, 'SET hnsw.ef_search = 1')),
};

/** An index that is never built: `CREATE INDEX` is replaced by `SELECT 1`. */
export const noIndex: Mutant = {
  name: 'no-index',
  client: rewriteSql((sql) => (/^CREATE INDEX/.test(sql) ? 'SELECT 1' : sql)),
};

/** One result dropped per query: the first (nearest) DataRow of every `id, distance` result; CommandComplete fixed up. */
export const dropNearest: Mutant = {
  name: 'drop-nearest',
  server(frame, ctx) {
    const s = ctx.state;
    if (frame.type === 'T') {
      const n = frame.body.readInt16BE(0);
      const first = frame.body.toString('utf8', 2, frame.body.indexOf(0, 2));
      // A field is its name, NUL, then 18 bytes of table oid, column, type, size, modifier and format.
      const secondStart = frame.body.indexOf(0, 2) + 1 + 18;
      const second = n > 1 ? frame.body.toString('utf8', secondStart, frame.body.indexOf(0, secondStart)) : '';
      s.armed = first === 'id' && second === 'distance';
      s.dropped = false;
      return frame;
    }
    if (frame.type === 'D' && s.armed && !s.dropped) {
      s.dropped = true;
      ctx.mark();
      return null;
    }
    if (frame.type === 'C' && s.armed) {
      s.armed = false;
      const match = /^SELECT (\d+)$/.exec(frame.body.toString('utf8', 0, frame.body.length - 1));
      if (match && s.dropped) return { type: 'C', body: Buffer.from(`SELECT ${Number(match[1]) - 1}\0`, 'utf8') };
    }
    return frame;
  },
};

/** Flips the first digit of every pgvector text literal (`[1.5,…` → `[2.5,…`) the server sends in a DataRow. */
export const flipVectorDigit: Mutant = {
  name: 'flip-vector-digit',
  server(frame, ctx) {
    if (frame.type !== 'D') return frame;
    let changed = false;
    const body = Buffer.from(frame.body);
    for (let p = body.indexOf(0x5b); p >= 0; p = body.indexOf(0x5b, p + 1)) {
      const d = body[p + 1] === 0x2d ? p + 2 : p + 1;
      if (body[d]! >= 0x30 && body[d]! <= 0x39) {
        body[d] = body[d] === 0x39 ? 0x31 : body[d]! + 1;
        changed = true;
      }
    }
    if (!changed) return frame;
    ctx.mark();
    return { type: 'D', body };
  },
};

/** Turns every `DELETE FROM` the client sends into `SELECT 1 FROM`: deletes are acknowledged and never happen. */
export const neuterDelete: Mutant = {
  name: 'neuter-delete',
  client: rewriteSql((sql) => sql.replace(/DELETE FROM/g, 'SELECT 1 FROM')),
};
