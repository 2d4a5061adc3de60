/**
 * The PostgreSQL load driver: the SQL layer's raw wire codec does the startup (TLS, SCRAM) and the
 * Parse of each statement; then the connection takes the socket over and runs the extended query
 * protocol by hand: Bind/Execute/Sync pre-encoded per statement (binary integer parameters written
 * into a copy of a template), many operations per write, answers framed in place without a
 * per-message allocation. A driver that awaits each message (node-postgres) spent more time in
 * the client than the server spent on the query: 0.47× pgbench with 4 connections on this machine.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parsePgDsn, pgSslOptions } from '@helios-conformance/sql/postgres';
import { errorFields, msg, openWireSession, WireServerError, type WireTarget } from '@helios-conformance/sql/pg-wire';
import type { LoadCallbacks, LoadConnection, LoadDriver, LoadParamType, LoadStatement } from './driver.js';

const OID: Record<LoadParamType, number> = { int4: 23, int8: 20, text: 25 };
const Z = 0x5a;
const E = 0x45;

/** Bind (unnamed portal, statement `S<i>`) + Execute + Sync for a statement whose parameters are all integers, with the values zeroed. */
function integerTemplate(name: string, types: readonly LoadParamType[]): { bytes: Buffer; offsets: number[]; widths: number[] } | undefined {
  if (!types.every((t) => t === 'int4' || t === 'int8')) return undefined;
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const widths = types.map((t) => (t === 'int4' ? 4 : 8));
  // portal "" + name + i16 1 format (binary) + i16 count + (i32 len + value)* + i16 0 result formats (text, as pgbench)
  const bodyLen = 1 + nameBytes.length + 2 + 2 + 2 + widths.reduce((a, w) => a + 4 + w, 0) + 2;
  const bind = Buffer.alloc(1 + 4 + bodyLen);
  let o = bind.write('B', 0, 'latin1');
  o = bind.writeInt32BE(bodyLen + 4, o);
  o += 1; // empty portal name
  o += nameBytes.copy(bind, o);
  o = bind.writeInt16BE(1, o);
  o = bind.writeInt16BE(1, o);
  o = bind.writeInt16BE(widths.length, o);
  const offsets: number[] = [];
  for (const w of widths) {
    o = bind.writeInt32BE(w, o);
    offsets.push(o);
    o += w;
  }
  bind.writeInt16BE(0, o);
  return { bytes: Buffer.concat([bind, msg.execute(''), msg.sync()]), offsets, widths };
}

class PgLoadConnection implements LoadConnection {
  private queued: Buffer[] = [];
  private rest: Buffer | undefined;
  private pendingError: string | undefined;
  private n = 0;
  open = true;

  constructor(
    private readonly stream: Socket | TLSSocket,
    private readonly templates: ReadonlyArray<ReturnType<typeof integerTemplate>>,
    private readonly cb: LoadCallbacks,
    private readonly errors: Map<string, string>,
  ) {
    stream.on('data', (chunk: Buffer) => this.read(chunk));
    stream.on('error', () => this.lost());
    stream.on('close', () => this.lost());
  }

  get inFlight(): number {
    return this.n;
  }

  send(index: number, params: readonly (number | string)[]): void {
    const t = this.templates[index];
    if (t) {
      const b = Buffer.from(t.bytes);
      for (let i = 0; i < t.offsets.length; i++) {
        const v = params[i] as number;
        if (t.widths[i] === 4) b.writeInt32BE(v, t.offsets[i]!);
        else b.writeBigInt64BE(BigInt(v), t.offsets[i]!);
      }
      this.queued.push(b);
    } else {
      this.queued.push(msg.bind('', `S${index}`, params.map(String)), msg.execute(''), msg.sync());
    }
    this.n++;
  }

  flush(): void {
    if (this.queued.length === 0) return;
    const out = this.queued.length === 1 ? this.queued[0]! : Buffer.concat(this.queued);
    this.queued = [];
    if (this.open) this.stream.write(out);
  }

  private read(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let off = 0;
    while (buf.length - off >= 5) {
      const len = buf.readInt32BE(off + 1);
      if (buf.length - off < len + 1) break;
      const type = buf[off];
      if (type === Z) {
        const outcome = this.pendingError;
        this.pendingError = undefined;
        this.n--;
        this.cb.onDone(outcome);
      } else if (type === E) {
        const f = errorFields(buf.subarray(off + 5, off + 1 + len));
        const code = f.C ?? 'XX000';
        if (!this.errors.has(code)) this.errors.set(code, f.M ?? '');
        this.pendingError ??= code;
      }
      off += len + 1;
    }
    if (off < buf.length) this.rest = Buffer.from(buf.subarray(off));
    this.cb.afterRead();
  }

  private lost(): void {
    if (!this.open) return;
    this.open = false;
    this.queued = [];
    const n = this.n;
    this.n = 0;
    for (let i = 0; i < n; i++) this.cb.onDone('connection-lost');
    if (n > 0) this.cb.afterRead();
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.stream.end(msg.terminate());
    } catch {
      // already gone
    }
    setTimeout(() => this.stream.destroy(), 200).unref();
  }
}

/** Options of {@link pgLoadDriver}. */
export interface PgLoadOptions {
  /** Budget for connecting and preparing each connection (default 10 000 ms). */
  timeoutMs?: number;
  applicationName?: string;
}

/** The PostgreSQL load driver for a `postgres://` DSN (TLS per its sslmode, as the SQL layer decides). */
export async function pgLoadDriver(dsn: string, o: PgLoadOptions = {}): Promise<LoadDriver> {
  const p = parsePgDsn(dsn);
  const target: WireTarget = {
    host: p.host,
    port: p.port,
    user: p.user,
    password: p.password,
    database: p.database,
    ssl: await pgSslOptions(p),
    applicationName: o.applicationName ?? 'helios-stress',
  };
  const timeoutMs = o.timeoutMs ?? 10_000;
  const errorMessages = new Map<string, string>();
  return {
    family: 'postgres',
    errorMessages,
    async connect(statements: readonly LoadStatement[], callbacks: LoadCallbacks, signal?: AbortSignal): Promise<LoadConnection> {
      const { conn } = await openWireSession(target, { timeoutMs, signal });
      try {
        conn.send(...statements.map((s, i) => msg.parse(`S${i}`, s.sql, s.params.map((t) => OID[t]))), msg.sync());
        const answer = await conn.untilReady(timeoutMs);
        const err = answer.find((m) => m.type === 'E');
        if (err) throw new WireServerError(errorFields(err.body));
      } catch (e) {
        conn.destroy();
        throw e;
      }
      const { stream, pending } = conn.detach();
      const c = new PgLoadConnection(
        stream,
        statements.map((s, i) => integerTemplate(`S${i}`, s.params)),
        callbacks,
        errorMessages,
      );
      if (pending.length > 0) stream.emit('data', pending);
      return c;
    },
  };
}
