/**
 * `@helios-conformance/sql/pg-wire` — the kit's one PostgreSQL v3 wire codec: message
 * builders and parsers, a framer for byte streams (the test kit's proxies use it), and a raw
 * frontend over node:net / node:tls for what a driver cannot express precisely: the exact
 * message sequence of a startup, SSLRequest / GSSENCRequest answers, Parse/Bind/Describe/Execute
 * with a row limit, several messages pipelined before one Sync, binary result formats, the empty
 * query. Authentication: trust, cleartext, MD5 and SCRAM-SHA-256 (with the server signature
 * checked).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions, type TLSSocket } from 'node:tls';
import { bareHost } from '../_internal/tls.js';

/** Where and as whom a raw session connects (a `PgTarget`'s `connection` fits). */
export interface WireTarget {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** TLS options (SSLRequest, then a handshake), or `false` for plain TCP. */
  ssl: TlsOptions | false;
  applicationName?: string;
}

/** One backend message: its type byte as a character and its body (after the length). */
export interface WireMessage {
  type: string;
  body: Buffer;
}

/** A server ErrorResponse; `code` is the SQLSTATE, so the suite classifies it as a server-side failure. */
export class WireServerError extends Error {
  override readonly name = 'WireServerError';
  readonly code: string;
  readonly severity: string;
  constructor(readonly fields: Record<string, string>) {
    super(`${fields.S ?? 'ERROR'}: ${fields.M ?? 'server error'} (SQLSTATE ${fields.C ?? '?'})`);
    this.code = fields.C ?? 'XX000';
    this.severity = fields.V ?? fields.S ?? 'ERROR';
  }
}

/** Nothing arrived from the server within the wait. */
export class WireTimeout extends Error {
  override readonly name = 'WireTimeout';
}

/** The connection ended (closed, reset, aborted) while a message was awaited. */
export class WireClosed extends Error {
  override readonly name = 'WireClosed';
}

// ---------------------------------------------------------------- frontend messages

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');
const i16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n, 0);
  return b;
};
const i32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
};

/** A typed frontend message: type byte, Int32 length, body. */
export function frame(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from(type, 'ascii'), i32(body.length + 4), body]);
}

/** Protocol 3.0. */
export const PROTOCOL_3_0 = 196608;
/** SSLRequest: length 8, code 80877103. */
export const SSL_REQUEST = Buffer.concat([i32(8), i32(80877103)]);
/** GSSENCRequest: length 8, code 80877104. */
export const GSSENC_REQUEST = Buffer.concat([i32(8), i32(80877104)]);

/** StartupMessage with the given parameters. */
export function startupMessage(params: Record<string, string>, version = PROTOCOL_3_0): Buffer {
  const body = Buffer.concat([i32(version), ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]), Buffer.from([0])]);
  return Buffer.concat([i32(body.length + 4), body]);
}

/** Frontend message builders. */
export const msg = {
  query: (sql: string): Buffer => frame('Q', cstr(sql)),
  parse: (name: string, sql: string, paramTypes: readonly number[] = []): Buffer =>
    frame('P', Buffer.concat([cstr(name), cstr(sql), i16(paramTypes.length), ...paramTypes.map(i32)])),
  /**
   * Bind. `params`: a string is sent as UTF-8, a Buffer as is, null as NULL (-1).
   * `paramFormats` / `resultFormats`: 0 text, 1 binary (one entry applies to all).
   */
  bind: (
    portal: string,
    statement: string,
    params: ReadonlyArray<string | Buffer | null> = [],
    paramFormats: readonly number[] = [],
    resultFormats: readonly number[] = [],
  ): Buffer => {
    const values = params.map((p) => {
      if (p === null) return i32(-1);
      const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
      return Buffer.concat([i32(b.length), b]);
    });
    return frame(
      'B',
      Buffer.concat([
        cstr(portal),
        cstr(statement),
        i16(paramFormats.length),
        ...paramFormats.map(i16),
        i16(params.length),
        ...values,
        i16(resultFormats.length),
        ...resultFormats.map(i16),
      ]),
    );
  },
  describe: (kind: 'S' | 'P', name: string): Buffer => frame('D', Buffer.concat([Buffer.from(kind, 'ascii'), cstr(name)])),
  execute: (portal: string, maxRows = 0): Buffer => frame('E', Buffer.concat([cstr(portal), i32(maxRows)])),
  close: (kind: 'S' | 'P', name: string): Buffer => frame('C', Buffer.concat([Buffer.from(kind, 'ascii'), cstr(name)])),
  sync: (): Buffer => frame('S'),
  flush: (): Buffer => frame('H'),
  terminate: (): Buffer => frame('X'),
  password: (data: Buffer): Buffer => frame('p', data),
};

// ---------------------------------------------------------------- backend message parsers

/** Fields of an ErrorResponse / NoticeResponse, keyed by their one-letter code (S, V, C, M, D, H…). */
export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const key = String.fromCharCode(body[i] ?? 0);
    const end = body.indexOf(0, i + 1);
    if (end < 0) break;
    fields[key] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return fields;
}

/** One column of a RowDescription. */
export interface FieldDescription {
  name: string;
  tableOid: number;
  column: number;
  typeOid: number;
  typeSize: number;
  typeMod: number;
  format: number;
}

/** Parses a RowDescription ('T') body. */
export function rowDescription(body: Buffer): FieldDescription[] {
  const n = body.readInt16BE(0);
  const out: FieldDescription[] = [];
  let off = 2;
  for (let i = 0; i < n; i++) {
    const end = body.indexOf(0, off);
    const name = body.toString('utf8', off, end);
    off = end + 1;
    out.push({
      name,
      tableOid: body.readUInt32BE(off),
      column: body.readInt16BE(off + 4),
      typeOid: body.readUInt32BE(off + 6),
      typeSize: body.readInt16BE(off + 10),
      typeMod: body.readInt32BE(off + 12),
      format: body.readInt16BE(off + 16),
    });
    off += 18;
  }
  return out;
}

/** Parses a DataRow ('D') body: one Buffer per column, null for NULL. */
export function dataRow(body: Buffer): Array<Buffer | null> {
  const n = body.readInt16BE(0);
  const out: Array<Buffer | null> = [];
  let off = 2;
  for (let i = 0; i < n; i++) {
    const len = body.readInt32BE(off);
    off += 4;
    if (len < 0) out.push(null);
    else {
      out.push(body.subarray(off, off + len));
      off += len;
    }
  }
  return out;
}

/** A DataRow as text values (null for NULL). */
export function textRow(body: Buffer): Array<string | null> {
  return dataRow(body).map((b) => (b === null ? null : b.toString('utf8')));
}

/** Parses a ParameterDescription ('t') body: the parameter type OIDs. */
export function parameterDescription(body: Buffer): number[] {
  const n = body.readInt16BE(0);
  return Array.from({ length: n }, (_, i) => body.readUInt32BE(2 + 4 * i));
}

/** The command tag of a CommandComplete ('C'). */
export function commandTag(body: Buffer): string {
  const end = body.indexOf(0);
  return body.toString('utf8', 0, end < 0 ? body.length : end);
}

/** Name and value of a ParameterStatus ('S'). */
export function parameterStatus(body: Buffer): [string, string] {
  const a = body.indexOf(0);
  const b = body.indexOf(0, a + 1);
  return [body.toString('utf8', 0, a), body.toString('utf8', a + 1, b < 0 ? body.length : b)];
}

const NAMES: Record<string, string> = {
  '1': 'ParseComplete',
  '2': 'BindComplete',
  '3': 'CloseComplete',
  C: 'CommandComplete',
  D: 'DataRow',
  E: 'ErrorResponse',
  I: 'EmptyQueryResponse',
  K: 'BackendKeyData',
  N: 'NoticeResponse',
  n: 'NoData',
  R: 'Authentication',
  S: 'ParameterStatus',
  s: 'PortalSuspended',
  T: 'RowDescription',
  t: 'ParameterDescription',
  v: 'NegotiateProtocolVersion',
  Z: 'ReadyForQuery',
  A: 'NotificationResponse',
};

/** A readable one-line summary of a message sequence, e.g. `1 2 T D C Z` → `ParseComplete, BindComplete, …`. */
export function describeMessages(msgs: readonly WireMessage[]): string {
  return msgs
    .map((m) => {
      const name = NAMES[m.type] ?? `'${m.type}'`;
      if (m.type === 'C') return `${name}(${commandTag(m.body)})`;
      if (m.type === 'E' || m.type === 'N') {
        const f = errorFields(m.body);
        return `${name}(${f.C ?? '?'} ${f.M ?? ''})`;
      }
      if (m.type === 'Z') return `${name}(${m.body.toString('latin1')})`;
      return name;
    })
    .join(', ');
}

// ---------------------------------------------------------------- the connection

/** Options for {@link openTransport}. */
export interface WireOptions {
  host: string;
  port: number;
  /** TLS options: the connection sends SSLRequest and upgrades when the server answers 'S'; `false` for plain TCP. */
  ssl: TlsOptions | false;
  /** Deadline for each wait on the server (default 5000 ms). */
  timeoutMs?: number;
  /** Aborting destroys the socket. */
  signal?: AbortSignal;
}

/** A raw connection: bytes out, messages (or raw bytes) in, every wait bounded. */
export class WireConnection {
  // A list of chunks, joined once per message: with a chunk per byte (a proxy that re-chunks),
  // concatenating the whole buffer on every chunk was quadratic in the message size.
  private framer = new MessageFramer();
  private waiter: (() => void) | undefined;
  private ended: Error | undefined;
  private stream: Socket | TLSSocket;
  private readonly onAbort = (): void => this.destroy();
  /** True once the server closed the connection (or it failed). */
  closed = false;
  /** Negotiated TLS protocol (e.g. `TLSv1.3`) when the connection was upgraded. */
  tlsProtocol: string | undefined;
  /** Whether the TLS peer certificate was verified against the CA (only meaningful with rejectUnauthorized). */
  tlsAuthorized: boolean | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.stream = socket;
    this.attach(socket);
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Opens a TCP connection (no message sent yet). */
  static async connect(o: Pick<WireOptions, 'host' | 'port' | 'timeoutMs' | 'signal'>): Promise<WireConnection> {
    const timeoutMs = o.timeoutMs ?? 5000;
    if (o.signal?.aborted) throw new WireClosed('aborted before connecting');
    const socket = netConnect({ host: o.host, port: o.port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        socket.destroy();
        reject(new WireTimeout(`TCP connect to ${o.host}:${o.port} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(t);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
    return new WireConnection(socket, timeoutMs, o.signal);
  }

  private attach(s: Socket | TLSSocket): void {
    s.on('data', (chunk: Buffer) => {
      this.framer.push(chunk);
      this.wake();
    });
    s.on('error', (e: Error) => this.end(e));
    s.on('close', () => this.end(new WireClosed('the server closed the connection')));
  }

  private end(e: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.ended ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Bytes received and not consumed yet. */
  get pending(): number {
    return this.framer.buffered;
  }

  /** Sends bytes. */
  send(...parts: Buffer[]): void {
    if (this.closed) throw new WireClosed(`cannot send: ${this.ended?.message ?? 'connection closed'}`);
    this.stream.write(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
  }

  private async waitFor(ready: () => boolean, what: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready()) {
      if (this.closed) throw this.ended instanceof WireClosed ? new WireClosed(`${this.ended.message} while waiting for ${what}`) : (this.ended ?? new WireClosed('closed'));
      const left = deadline - Date.now();
      if (left <= 0) throw new WireTimeout(`no ${what} from the server within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.waiter = undefined;
          resolve();
        }, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Reads exactly `n` raw bytes (e.g. the one-byte answer to SSLRequest). */
  async readBytes(n: number, ms = this.timeoutMs, what = `${n} byte(s)`): Promise<Buffer> {
    await this.waitFor(() => this.framer.buffered >= n, what, ms);
    return this.framer.take(n);
  }

  /** Reads the next backend message. Throws {@link WireTimeout} or {@link WireClosed}. */
  async next(ms = this.timeoutMs, what = 'message'): Promise<WireMessage> {
    let m: WireMessage | undefined;
    await this.waitFor(() => (m ??= this.framer.next()?.message) !== undefined, what, ms);
    return m as WireMessage;
  }

  /** Reads messages up to and including the next ReadyForQuery. */
  async untilReady(ms = this.timeoutMs): Promise<WireMessage[]> {
    const out: WireMessage[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      const m = await this.next(Math.max(1, deadline - Date.now()), `ReadyForQuery (after: ${describeMessages(out) || 'nothing'})`);
      out.push(m);
      if (m.type === 'Z') return out;
    }
  }

  /** Sends a simple Query and reads everything up to ReadyForQuery. */
  async simple(sql: string, ms = this.timeoutMs): Promise<WireMessage[]> {
    this.send(msg.query(sql));
    return this.untilReady(ms);
  }

  /** Sends a simple Query; throws the first ErrorResponse; returns the text rows of all results. */
  async queryRows(sql: string, ms = this.timeoutMs): Promise<Array<Array<string | null>>> {
    const msgs = await this.simple(sql, ms);
    const err = msgs.find((m) => m.type === 'E');
    if (err) throw new WireServerError(errorFields(err.body));
    return msgs.filter((m) => m.type === 'D').map((m) => textRow(m.body));
  }

  /** Resolves true when the server closes the connection within `ms`, false otherwise (bytes are discarded). */
  async waitClosed(ms: number): Promise<boolean> {
    try {
      await this.waitFor(() => {
        this.framer = new MessageFramer();
        return false;
      }, 'close', ms);
    } catch (e) {
      return !(e instanceof WireTimeout);
    }
    return false;
  }

  /** Upgrades to TLS (after the server answered 'S' to an SSLRequest). */
  async upgradeTls(options: TlsOptions, host: string, ms = this.timeoutMs): Promise<void> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    this.socket.on('error', () => undefined);
    // `host` is what Node checks the certificate against when `options` bring no identity check
    // of their own; SNI carries a DNS name only (RFC 6066), never an address.
    const name = bareHost(host);
    const tls = tlsConnect({ ...options, socket: this.socket, host: name, ...(isIP(name) ? {} : { servername: name }) });
    this.stream = tls;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        tls.destroy();
        reject(new WireTimeout(`TLS handshake not finished within ${ms} ms`));
      }, ms);
      tls.once('secureConnect', () => {
        clearTimeout(t);
        resolve();
      });
      tls.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
    this.tlsProtocol = tls.getProtocol() ?? undefined;
    this.tlsAuthorized = tls.authorized;
    this.attach(tls);
  }

  /**
   * Hands the socket over to a caller that frames the stream itself (a load generator's hot
   * path, where an awaited read per message costs more than the query): this connection stops
   * reading, and the bytes already received but not consumed come back with the stream. The
   * caller owns the stream from then on (and closes it); this object is left closed.
   */
  detach(): { stream: Socket | TLSSocket; pending: Buffer } {
    if (this.closed) throw new WireClosed(`cannot detach: ${this.ended?.message ?? 'connection closed'}`);
    this.signal?.removeEventListener('abort', this.onAbort);
    for (const s of new Set<Socket | TLSSocket>([this.socket, this.stream])) {
      s.removeAllListeners('data');
      s.removeAllListeners('close');
      s.removeAllListeners('error');
    }
    // Under TLS the plain socket's errors surface on the TLS stream, which the caller listens to.
    if (this.socket !== this.stream) this.socket.on('error', () => undefined);
    const pending = this.framer.buffered > 0 ? this.framer.take(this.framer.buffered) : Buffer.alloc(0);
    this.closed = true;
    this.ended = new WireClosed('connection detached');
    return { stream: this.stream, pending };
  }

  /** Polite Terminate, then the socket is destroyed. Never throws. */
  close(): void {
    try {
      if (!this.closed) this.stream.end(msg.terminate());
    } catch {
      // already gone
    }
    setTimeout(() => this.destroy(), 200).unref();
  }

  /** Destroys the socket at once. */
  destroy(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.stream.destroy();
    this.socket.destroy();
    this.end(new WireClosed('connection destroyed'));
  }
}

// ---------------------------------------------------------------- startup and authentication

/** What happened during the startup phase. */
export interface StartupResult {
  /** Every message received from the first Authentication request to ReadyForQuery. */
  messages: WireMessage[];
  /** ParameterStatus values reported during startup. */
  parameters: Map<string, string>;
  /** BackendKeyData, when sent. */
  backendKey: { pid: number; secretKey: Buffer } | undefined;
  /** Authentication requests in the order received: `ok`, `cleartext`, `md5`, `sasl`, `sasl-continue`, `sasl-final`, or `code N`. */
  authRequests: string[];
  /** Mechanisms listed in AuthenticationSASL. */
  saslMechanisms: string[];
  /** True when the SCRAM server signature in AuthenticationSASLFinal matched. */
  scramServerVerified: boolean;
  /** Transaction status of the first ReadyForQuery. */
  readyStatus: string;
  /** Whether the session runs over TLS. */
  tls: boolean;
}

/** Options for {@link startSession}. */
export interface StartupOptions {
  user: string;
  password: string | undefined;
  database: string;
  /** Extra startup parameters (application_name, client_encoding, GUCs, `_pq_.*`). */
  params?: Record<string, string>;
  protocolVersion?: number;
}

/** Authentication failed, or the server refused the session: carries what was received before. */
export class StartupError extends WireServerError {
  constructor(
    fields: Record<string, string>,
    readonly authRequests: string[],
  ) {
    super(fields);
  }
}

const md5Hex = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

/**
 * Sends the StartupMessage on an open connection and runs authentication up to ReadyForQuery.
 * A server ErrorResponse becomes a {@link StartupError} (the connection is left open so the
 * caller can see whether the server closes it).
 */
export async function startSession(conn: WireConnection, o: StartupOptions, tls: boolean): Promise<StartupResult> {
  conn.send(startupMessage({ user: o.user, database: o.database, ...(o.params ?? {}) }, o.protocolVersion));
  const r: StartupResult = {
    messages: [],
    parameters: new Map(),
    backendKey: undefined,
    authRequests: [],
    saslMechanisms: [],
    scramServerVerified: false,
    readyStatus: '',
    tls,
  };
  let scram: { clientFirstBare: string; nonce: string; serverSignature?: Buffer } | undefined;
  const password = (): string => {
    if (o.password === undefined) throw new WireClosed('the server asked for a password and the DSN has none');
    return o.password;
  };
  const deadline = Date.now() + conn.timeoutMs * 2;
  for (;;) {
    const m = await conn.next(Math.max(1, deadline - Date.now()), `startup answer (after: ${describeMessages(r.messages) || 'nothing'})`);
    r.messages.push(m);
    if (m.type === 'E') throw new StartupError(errorFields(m.body), r.authRequests);
    if (m.type === 'S') {
      const [k, v] = parameterStatus(m.body);
      r.parameters.set(k, v);
    } else if (m.type === 'K') {
      r.backendKey = { pid: m.body.readInt32BE(0), secretKey: Buffer.from(m.body.subarray(4)) };
    } else if (m.type === 'Z') {
      r.readyStatus = m.body.toString('latin1');
      return r;
    } else if (m.type === 'R') {
      const code = m.body.readInt32BE(0);
      if (code === 0) r.authRequests.push('ok');
      else if (code === 3) {
        r.authRequests.push('cleartext');
        conn.send(msg.password(cstr(password())));
      } else if (code === 5) {
        r.authRequests.push('md5');
        const salt = m.body.subarray(4, 8);
        const inner = md5Hex(password() + o.user);
        conn.send(msg.password(cstr(`md5${md5Hex(Buffer.concat([Buffer.from(inner), salt]))}`)));
      } else if (code === 10) {
        r.authRequests.push('sasl');
        r.saslMechanisms = m.body.toString('utf8', 4).split('\0').filter(Boolean);
        if (!r.saslMechanisms.includes('SCRAM-SHA-256')) throw new WireClosed(`unsupported SASL mechanisms: ${r.saslMechanisms.join(', ')}`);
        const nonce = randomBytes(18).toString('base64');
        const clientFirstBare = `n=,r=${nonce}`;
        const data = Buffer.from(`n,,${clientFirstBare}`);
        conn.send(msg.password(Buffer.concat([cstr('SCRAM-SHA-256'), i32(data.length), data])));
        scram = { clientFirstBare, nonce };
      } else if (code === 11) {
        r.authRequests.push('sasl-continue');
        if (!scram) throw new WireClosed('AuthenticationSASLContinue without AuthenticationSASL');
        const serverFirst = m.body.toString('utf8', 4);
        const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0] ?? '', kv.slice(2)]));
        const serverNonce = attrs.r ?? '';
        if (!serverNonce.startsWith(scram.nonce)) throw new WireClosed('SCRAM: the server nonce does not extend the client nonce');
        const salted = pbkdf2Sync(password().normalize('NFKC'), Buffer.from(attrs.s ?? '', 'base64'), Number(attrs.i), 32, 'sha256');
        const clientKey = createHmac('sha256', salted).update('Client Key').digest();
        const storedKey = createHash('sha256').update(clientKey).digest();
        const finalNoProof = `c=biws,r=${serverNonce}`;
        const authMessage = `${scram.clientFirstBare},${serverFirst},${finalNoProof}`;
        const clientSig = createHmac('sha256', storedKey).update(authMessage).digest();
        const proof = Buffer.alloc(clientKey.length);
        for (let i = 0; i < proof.length; i++) proof[i] = (clientKey[i] ?? 0) ^ (clientSig[i] ?? 0);
        const serverKey = createHmac('sha256', salted).update('Server Key').digest();
        scram.serverSignature = createHmac('sha256', serverKey).update(authMessage).digest();
        conn.send(msg.password(Buffer.from(`${finalNoProof},p=${proof.toString('base64')}`)));
      } else if (code === 12) {
        r.authRequests.push('sasl-final');
        const v = Buffer.from(m.body.toString('utf8', 4).replace(/^v=/, ''), 'base64');
        r.scramServerVerified = !!scram?.serverSignature && v.length === scram.serverSignature.length && timingSafeEqual(v, scram.serverSignature);
      } else {
        r.authRequests.push(`code ${code}`);
        throw new WireClosed(`unsupported authentication request ${code}`);
      }
    }
    // NoticeResponse, NegotiateProtocolVersion: kept in `messages`.
  }
}

/**
 * Opens a TCP connection and, when `ssl` is set, sends SSLRequest and upgrades to TLS.
 * Throws when TLS was asked for and the server answered 'N'.
 */
export async function openTransport(o: WireOptions): Promise<WireConnection> {
  const conn = await WireConnection.connect(o);
  if (o.ssl === false) return conn;
  try {
    conn.send(SSL_REQUEST);
    const answer = (await conn.readBytes(1, undefined, 'answer to SSLRequest')).toString('latin1');
    if (answer !== 'S') throw new WireClosed(`TLS is required, but the server answered ${JSON.stringify(answer)} to SSLRequest`);
    if (conn.pending > 0) throw new WireClosed(`the server sent ${conn.pending} unencrypted byte(s) after 'S' (before the TLS handshake)`);
    await conn.upgradeTls(o.ssl, o.host);
  } catch (e) {
    conn.destroy();
    throw e;
  }
  return conn;
}

/** An open, authenticated raw session. */
export interface WireSession {
  conn: WireConnection;
  startup: StartupResult;
}

/** Options for {@link openWireSession}: the target's connection, with overrides. */
export interface WireSessionOptions extends Partial<StartupOptions> {
  signal?: AbortSignal;
  timeoutMs?: number;
  ssl?: TlsOptions | false;
}

/**
 * Opens an authenticated raw session with the target's connection options (host, port,
 * user, password, database, TLS), overridable. The caller closes it.
 */
export async function openWireSession(c: Readonly<WireTarget>, o: WireSessionOptions = {}): Promise<WireSession> {
  const ssl = o.ssl ?? c.ssl;
  const conn = await openTransport({ host: c.host, port: c.port, ssl, timeoutMs: o.timeoutMs ?? 5000, signal: o.signal });
  try {
    const startup = await startSession(
      conn,
      {
        user: o.user ?? c.user,
        password: 'password' in o ? o.password : c.password,
        database: o.database ?? c.database,
        params: { client_encoding: 'UTF8', ...(c.applicationName ? { application_name: c.applicationName } : {}), ...(o.params ?? {}) },
        protocolVersion: o.protocolVersion,
      },
      ssl !== false,
    );
    return { conn, startup };
  } catch (e) {
    conn.destroy();
    throw e;
  }
}

/** The first ErrorResponse of a message list, as fields, or undefined. */
export function firstError(msgs: readonly WireMessage[]): Record<string, string> | undefined {
  const e = msgs.find((m) => m.type === 'E');
  return e ? errorFields(e.body) : undefined;
}

/** Message type letters in order, e.g. `12DDCZ`. */
export function typeString(msgs: readonly WireMessage[]): string {
  return msgs.map((m) => m.type).join('');
}

/** Encodes [code, value] pairs as an ErrorResponse/NoticeResponse body. */
export function errorBody(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.concat([...fields.map(([c, v]) => Buffer.concat([Buffer.from(c, 'latin1'), Buffer.from(v, 'utf8'), Buffer.alloc(1)])), Buffer.alloc(1)]);
}

/** The fields of an ErrorResponse/NoticeResponse body as [code, value] pairs, in order. */
export function errorFieldList(body: Buffer): Array<[string, string]> {
  return Object.entries(errorFields(body));
}

/** The parameters of a protocol 3.x StartupMessage (empty for anything else, e.g. an SSLRequest). */
export function startupParams(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  if (b.length < 8 || b.readInt32BE(4) >> 16 !== 3) return out;
  const end = Math.min(b.length, b.readInt32BE(0));
  let p = 8;
  while (p < end && b[p] !== 0) {
    const k = b.indexOf(0, p);
    const v = k < 0 ? -1 : b.indexOf(0, k + 1);
    if (k < 0 || v < 0 || v >= end) break;
    out[b.toString('utf8', p, k)] = b.toString('utf8', k + 1, v);
    p = v + 1;
  }
  return out;
}

/** Request codes of the untyped messages a client may send before its StartupMessage. */
export const REQUEST_CODES = Object.freeze({ SSL: 80877103, GSSENC: 80877104, CANCEL: 80877102 });

/**
 * Cuts a byte stream into typed messages (`type`, Int32 length, body). Bytes are kept as a list
 * of chunks until a message is complete, so a multi-megabyte message arriving in many chunks is
 * joined once, not once per chunk.
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private length = 0;

  /** Appends received bytes. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Bytes received and not yet framed. */
  get buffered(): number {
    return this.length;
  }

  /** The first `n` buffered bytes, without consuming them (`n` must not exceed {@link buffered}). */
  peek(n: number): Buffer {
    if ((this.chunks[0]?.length ?? 0) < n) {
      let have = 0;
      let i = 0;
      while (have < n) have += this.chunks[i++]?.length ?? 0;
      this.chunks.splice(0, i, Buffer.concat(this.chunks.slice(0, i)));
    }
    return (this.chunks[0] as Buffer).subarray(0, n);
  }

  /** Removes and returns the first `n` bytes. */
  take(n: number): Buffer {
    const out = Buffer.from(this.peek(n));
    const first = this.chunks[0] as Buffer;
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.length -= n;
    return out;
  }

  /** The next complete message with its raw bytes, or undefined until more bytes arrive. */
  next(): { message: WireMessage; raw: Buffer } | undefined {
    if (this.length < 5) return undefined;
    const len = this.peek(5).readInt32BE(1);
    if (this.length < len + 1) return undefined;
    const raw = this.take(len + 1);
    return { message: { type: String.fromCharCode(raw[0] ?? 0), body: raw.subarray(5) }, raw };
  }
}
