// The three mutants: server hooks for the suite kit's framing proxy, each corrupting one thing in
// the MySQL packet stream from server to client. Only for plain (non-TLS, uncompressed) sessions:
// the mutant tests connect with ssl-mode=DISABLED.
import type { FrameHook, MyFrame } from '@helios-conformance/suite-kit';

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

/** Mutant 1: error number 1062 (duplicate entry) becomes 1061 (duplicate key name) in ERR packets. */
export const rewriteErrno: FrameHook<MyFrame> = (frame, ctx) => {
  const p = frame.body;
  if (p[0] !== 0xff || p.length < 3 || p.readUInt16LE(1) !== 1062) return frame;
  const body = Buffer.from(p);
  body.writeUInt16LE(1061, 1);
  ctx.mark();
  return { seq: frame.seq, body };
};

/** Mutant 2: every DECIMAL column (MYSQL_TYPE_NEWDECIMAL, 246) is described as DOUBLE (5) in column definitions. */
export const corruptDecimalType: FrameHook<MyFrame> = (frame, ctx) => {
  const p = frame.body;
  // Column definition 41: catalog "def", schema, table, org_table, name, org_name, [MariaDB extended info], 0x0c, charset(2), length(4), type(1), …
  if (p.length < 20 || p[0] !== 3 || p.toString('latin1', 1, 4) !== 'def') return frame;
  let o = 0;
  for (let i = 0; i < 6; i++) {
    const [len, used] = lenenc(p, o);
    o += used + len;
    if (o >= p.length) return frame;
  }
  if (p[o] !== 0x0c) {
    // MariaDB's extended type info (MARIADB_CLIENT_EXTENDED_TYPE_INFO) adds one more lenenc string.
    const [len, used] = lenenc(p, o);
    o += used + len;
  }
  if (p[o] !== 0x0c) return frame;
  const typeAt = o + 1 + 2 + 4;
  if (p[typeAt] !== 0xf6) return frame;
  const body = Buffer.from(p);
  body[typeAt] = 0x05;
  ctx.mark();
  return { seq: frame.seq, body };
};

/** Mutant 3: affected_rows is zeroed in the OK packet that answers COM_QUERY / COM_STMT_EXECUTE. */
export const dropAffectedRows: FrameHook<MyFrame> = (frame, ctx) => {
  const p = frame.body;
  if (frame.seq !== 1 || p[0] !== 0x00 || p.length < 7) return frame;
  if (ctx.lastCommand !== COM_QUERY && ctx.lastCommand !== COM_STMT_EXECUTE) return frame;
  const [affected, used] = lenenc(p, 1);
  if (affected === 0) return frame;
  ctx.mark();
  return { seq: frame.seq, body: Buffer.concat([Buffer.from([0x00, 0x00]), p.subarray(1 + used)]) };
};
