/**
 * A minimal PostgreSQL frontend (protocol 3.0, no TLS): startup, cleartext / MD5 /
 * SCRAM-SHA-256 authentication and simple queries. Used only to probe readiness and
 * bootstrap an ephemeral server, so the published package needs no `pg` dependency.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';

/** A server ErrorResponse (or a protocol/transport failure with code `08000`-style codes). */
export class PgWireError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'PgWireError';
  }
}

interface Message {
  type: string;
  body: Buffer;
}

/** Connection parameters for {@link pgConnect}. */
export interface PgWireOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  timeoutMs?: number;
}

/** An open, authenticated session. */
export interface PgWireSession {
  /** Runs one simple query; resolves to the text rows of the last result set. */
  query(sql: string): Promise<Array<Array<string | null>>>;
  close(): void;
}

function cstrings(fields: string[]): Buffer {
  return Buffer.concat(fields.map((f) => Buffer.from(f + '\0', 'utf8')));
}

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'ascii');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function parseError(body: Buffer): PgWireError {
  const fields: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const key = String.fromCharCode(body[i]!);
    const end = body.indexOf(0, i + 1);
    fields[key] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return new PgWireError(fields.M ?? 'unknown server error', fields.C ?? 'XX000');
}

class Reader {
  private buf = Buffer.alloc(0);
  private waiters: Array<{ resolve: (m: Message) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    this.drain();
  }

  fail(err: Error): void {
    if (!this.failure) this.failure = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private drain(): void {
    while (this.waiters.length > 0 && this.buf.length >= 5) {
      const len = this.buf.readInt32BE(1);
      if (this.buf.length < len + 1) return;
      const msg = { type: String.fromCharCode(this.buf[0]!), body: this.buf.subarray(5, len + 1) };
      this.buf = this.buf.subarray(len + 1);
      this.waiters.shift()!.resolve(msg);
    }
  }

  next(): Promise<Message> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.drain();
    });
  }
}

function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Opens a session; rejects with {@link PgWireError} (server error) or a transport error. */
export async function pgConnect(opts: PgWireOptions): Promise<PgWireSession> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const socket = net.connect({ host: opts.host, port: opts.port });
  const reader = new Reader();
  socket.on('data', (d: Buffer) => reader.push(d));
  socket.on('error', (e) => reader.fail(e));
  socket.on('close', () => reader.fail(new PgWireError('connection closed by server', '08006')));
  const timer = setTimeout(() => {
    reader.fail(new PgWireError(`no answer within ${timeoutMs} ms`, '08001'));
    socket.destroy();
  }, timeoutMs);

  const send = (b: Buffer): void => {
    socket.write(b);
  };

  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const params = cstrings(['user', opts.user, 'database', opts.database, 'client_encoding', 'UTF8', '']);
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(params.length + 8, 0);
    startup.writeInt32BE(196608, 4);
    send(Buffer.concat([startup, params]));

    let scram: { clientFirstBare: string; nonce: string; serverSignature?: Buffer } | undefined;
    for (;;) {
      const msg = await reader.next();
      if (msg.type === 'E') throw parseError(msg.body);
      if (msg.type === 'Z') break;
      if (msg.type !== 'R') continue; // S, K, N
      const code = msg.body.readInt32BE(0);
      if (code === 0) continue;
      if (code === 3) {
        send(frame('p', cstrings([opts.password])));
      } else if (code === 5) {
        const salt = msg.body.subarray(4, 8);
        const inner = md5Hex(opts.password + opts.user);
        send(frame('p', cstrings(['md5' + md5Hex(Buffer.concat([Buffer.from(inner), salt]))])));
      } else if (code === 10) {
        const mechanisms = msg.body.toString('utf8', 4).split('\0');
        if (!mechanisms.includes('SCRAM-SHA-256')) {
          throw new PgWireError(`unsupported SASL mechanisms: ${mechanisms.join(',')}`, '08P01');
        }
        const nonce = randomBytes(18).toString('base64');
        const clientFirstBare = `n=,r=${nonce}`;
        const data = Buffer.from(`n,,${clientFirstBare}`);
        const len = Buffer.alloc(4);
        len.writeInt32BE(data.length, 0);
        send(frame('p', Buffer.concat([cstrings(['SCRAM-SHA-256']), len, data])));
        scram = { clientFirstBare, nonce };
      } else if (code === 11) {
        if (!scram) throw new PgWireError('unexpected SASLContinue', '08P01');
        const serverFirst = msg.body.toString('utf8', 4);
        const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
        const serverNonce = attrs.r ?? '';
        if (!serverNonce.startsWith(scram.nonce)) throw new PgWireError('SCRAM nonce mismatch', '08P01');
        const salted = pbkdf2Sync(opts.password, Buffer.from(attrs.s ?? '', 'base64'), Number(attrs.i), 32, 'sha256');
        const clientKey = createHmac('sha256', salted).update('Client Key').digest();
        const storedKey = createHash('sha256').update(clientKey).digest();
        const finalNoProof = `c=biws,r=${serverNonce}`;
        const authMessage = `${scram.clientFirstBare},${serverFirst},${finalNoProof}`;
        const clientSig = createHmac('sha256', storedKey).update(authMessage).digest();
        const proof = Buffer.alloc(clientKey.length);
        for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSig[i]!;
        const serverKey = createHmac('sha256', salted).update('Server Key').digest();
        scram.serverSignature = createHmac('sha256', serverKey).update(authMessage).digest();
        send(frame('p', Buffer.from(`${finalNoProof},p=${proof.toString('base64')}`)));
      } else if (code === 12) {
        const verifier = Buffer.from(msg.body.toString('utf8', 4).replace(/^v=/, ''), 'base64');
        if (!scram?.serverSignature || verifier.length !== scram.serverSignature.length || !timingSafeEqual(verifier, scram.serverSignature)) {
          throw new PgWireError('SCRAM server signature mismatch', '08P01');
        }
      } else {
        throw new PgWireError(`unsupported authentication request ${code}`, '08P01');
      }
    }
  } catch (err) {
    clearTimeout(timer);
    socket.destroy();
    throw err;
  }
  clearTimeout(timer);

  let busy: Promise<unknown> = Promise.resolve();
  return {
    query(sql: string) {
      const run = async (): Promise<Array<Array<string | null>>> => {
        const qTimer = setTimeout(() => {
          reader.fail(new PgWireError(`query timed out after ${timeoutMs} ms`, '57014'));
          socket.destroy();
        }, timeoutMs);
        try {
          send(frame('Q', cstrings([sql])));
          let rows: Array<Array<string | null>> = [];
          let error: PgWireError | undefined;
          for (;;) {
            const msg = await reader.next();
            if (msg.type === 'T') rows = [];
            else if (msg.type === 'D') {
              const n = msg.body.readInt16BE(0);
              const row: Array<string | null> = [];
              let off = 2;
              for (let i = 0; i < n; i++) {
                const len = msg.body.readInt32BE(off);
                off += 4;
                if (len < 0) row.push(null);
                else {
                  row.push(msg.body.toString('utf8', off, off + len));
                  off += len;
                }
              }
              rows.push(row);
            } else if (msg.type === 'E') error = parseError(msg.body);
            else if (msg.type === 'Z') break;
          }
          if (error) throw error;
          return rows;
        } finally {
          clearTimeout(qTimer);
        }
      };
      const p = busy.then(run, run);
      busy = p.catch(() => undefined);
      return p;
    },
    close() {
      if (!socket.destroyed) {
        socket.end(frame('X', Buffer.alloc(0)));
      }
    },
  };
}
