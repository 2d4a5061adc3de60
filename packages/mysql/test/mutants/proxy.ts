// A loopback proxy in front of a MySQL server that can rewrite one thing in the packet
// stream from server to client. Only for plain (non-TLS, uncompressed) sessions: the
// mutant tests connect with ssl-mode=DISABLED.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** What the rewriter sees for one server→client packet. */
export interface PacketInfo {
  /** Sequence id of the packet. */
  seq: number;
  /** Command byte of the client's last command (seq 0 packet), or -1 before the first command. */
  lastCommand: number;
}

/** Returns a replacement payload (same or different length), or undefined to forward unchanged. */
export type Rewrite = (payload: Buffer, info: PacketInfo) => Buffer | undefined;

/** A running proxy. */
export interface MutantProxy {
  port: number;
  /** How many packets were rewritten so far. */
  rewrites(): number;
  /** From now on nothing is forwarded in either direction (a frozen server); new connections hang too. */
  freeze(): void;
  close(): Promise<void>;
}

/** Packets bigger than this are streamed through unparsed (the rewriters only touch small packets). */
const SMALL = 64 * 1024;

class PacketPump {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private passthrough = 0;

  constructor(
    private readonly source: Socket,
    private readonly out: Socket,
    private readonly onPacket: (header: Buffer, payload: Buffer) => Buffer,
  ) {}

  /** Writes with backpressure: the source is paused until the destination drains. */
  private write(b: Buffer): void {
    if (!this.out.write(b) && !this.source.isPaused()) {
      this.source.pause();
      this.out.once('drain', () => this.source.resume());
    }
  }

  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.passthrough > 0) {
        const n = Math.min(this.passthrough, data.length);
        this.write(data.subarray(0, n));
        this.passthrough -= n;
        data = data.subarray(n);
        continue;
      }
      this.pending.push(data);
      this.pendingLen += data.length;
      data = Buffer.alloc(0);
      const buf = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
      this.pending = [buf];
      if (buf.length < 4) return;
      const len = buf.readUIntLE(0, 3);
      if (len > SMALL) {
        // Forward the header and whatever part of the payload we have; stream the rest.
        const have = Math.min(buf.length, 4 + len);
        this.write(buf.subarray(0, have));
        this.passthrough = 4 + len - have;
        data = buf.subarray(have);
        this.pending = [];
        this.pendingLen = 0;
        continue;
      }
      if (buf.length < 4 + len) return;
      const header = buf.subarray(0, 4);
      const payload = buf.subarray(4, 4 + len);
      this.write(this.onPacket(header, payload));
      data = buf.subarray(4 + len);
      this.pending = [];
      this.pendingLen = 0;
    }
  }
}

function packet(seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, payload]);
}

/** Starts a proxy on a free loopback port that forwards to `target` and applies `rewrite`. */
export async function startMutantProxy(target: { host: string; port: number }, rewrite: Rewrite): Promise<MutantProxy> {
  let count = 0;
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: target.host, port: target.port });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    let lastCommand = -1;
    const toServer = new PacketPump(client, upstream, (header, payload) => {
      if (header[3] === 0 && payload.length > 0) lastCommand = payload[0] as number;
      return Buffer.concat([header, payload]);
    });
    const toClient = new PacketPump(upstream, client, (header, payload) => {
      const seq = header[3] as number;
      const next = rewrite(Buffer.from(payload), { seq, lastCommand });
      if (next === undefined) return Buffer.concat([header, payload]);
      count++;
      return packet(seq, next);
    });
    client.on('data', (c: Buffer) => {
      if (!frozen) toServer.push(c);
    });
    upstream.on('data', (c: Buffer) => {
      if (!frozen) toClient.push(c);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    rewrites: () => count,
    freeze: () => {
      frozen = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const COM_QUERY = 0x03;
const COM_STMT_EXECUTE = 0x17;

/** Reads a length-encoded integer; returns [value, bytes used]. */
function lenenc(p: Buffer, o: number): [number, number] {
  const b = p[o] as number;
  if (b < 0xfb) return [b, 1];
  if (b === 0xfc) return [p.readUInt16LE(o + 1), 3];
  if (b === 0xfd) return [p.readUIntLE(o + 1, 3), 4];
  return [Number(p.readBigUInt64LE(o + 1)), 9];
}

/** Mutant 1: rewrites error number 1062 (duplicate entry) to 1061 (duplicate key name) in ERR packets. */
export const rewriteErrno: Rewrite = (p) => {
  if (p[0] !== 0xff || p.length < 3 || p.readUInt16LE(1) !== 1062) return undefined;
  p.writeUInt16LE(1061, 1);
  return p;
};

/** Mutant 2: describes every DECIMAL column (MYSQL_TYPE_NEWDECIMAL, 246) as DOUBLE (5) in column definitions. */
export const corruptDecimalType: Rewrite = (p) => {
  // Column definition 41: catalog "def", schema, table, org_table, name, org_name, [MariaDB extended info], 0x0c, charset(2), length(4), type(1), …
  if (p.length < 20 || p[0] !== 3 || p.toString('latin1', 1, 4) !== 'def') return undefined;
  let o = 0;
  for (let i = 0; i < 6; i++) {
    const [len, used] = lenenc(p, o);
    o += used + len;
    if (o >= p.length) return undefined;
  }
  if (p[o] !== 0x0c) {
    // MariaDB's extended type info (MARIADB_CLIENT_EXTENDED_TYPE_INFO) adds one more lenenc string.
    const [len, used] = lenenc(p, o);
    o += used + len;
  }
  if (p[o] !== 0x0c) return undefined;
  const typeAt = o + 1 + 2 + 4;
  if (p[typeAt] !== 0xf6) return undefined;
  p[typeAt] = 0x05;
  return p;
};

/** Mutant 3: zeroes affected_rows in the OK packet that answers COM_QUERY / COM_STMT_EXECUTE. */
export const dropAffectedRows: Rewrite = (p, info) => {
  if (info.seq !== 1 || p[0] !== 0x00 || p.length < 7) return undefined;
  if (info.lastCommand !== COM_QUERY && info.lastCommand !== COM_STMT_EXECUTE) return undefined;
  const [affected, used] = lenenc(p, 1);
  if (affected === 0) return undefined;
  return Buffer.concat([Buffer.from([0x00, 0x00]), p.subarray(1 + used)]);
};
