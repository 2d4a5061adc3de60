/**
 * `corrupt-data NODE TABLE`: flips bytes inside a table's data file on one node, the way a failing
 * disk or a stray write would. The node is shut down (fast: its dirty pages are written first, so the
 * damage is not overwritten from shared buffers), 16 bytes in the middle of block 0 of the table's main
 * fork are inverted, and the node is started again. With data checksums on (the pgbackrest cluster's
 * initdb -k), reading that page must then raise `invalid page in block 0` (SQLSTATE XX001).
 */
import { chownSync, closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { pgConnect } from './pg-client.js';
import { startNode, stopNode, type ClusterState, type NodeState } from './pg-cluster-node.js';

const PAGE = 8192;
/** A table name as the suite passes it: plain or schema-qualified, optionally double-quoted. */
const TABLE = /^("[^"\0]{1,63}"|[A-Za-z_][A-Za-z0-9_$]{0,62})(\.("[^"\0]{1,63}"|[A-Za-z_][A-Za-z0-9_$]{0,62}))?$/;

export async function corruptData(st: ClusterState, node: NodeState, table: string | undefined, timeoutMs: number): Promise<string> {
  if (!table) throw new Error('corrupt-data needs a node and a table: corrupt-data NODE TABLE');
  if (!TABLE.test(table)) throw new Error(`corrupt-data: "${table}" is not a table name (name or schema.name, optionally double-quoted)`);
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1000, deadline - Date.now());
  const s = await pgConnect({ host: '127.0.0.1', port: node.port, user: st.user, password: st.password, database: st.database, timeoutMs: Math.min(5000, left()) });
  let rel: string;
  let checksums: string;
  try {
    const lit = `'${table.replace(/'/g, "''")}'`;
    const r = await s.query(`SELECT pg_relation_filepath(${lit}::regclass), current_setting('data_checksums'), pg_relation_size(${lit}::regclass)`);
    rel = r[0]?.[0] ?? '';
    checksums = r[0]?.[1] ?? '';
    if (!rel || Number(r[0]?.[2] ?? 0) < PAGE) throw new Error(`table ${table} on ${node.name} has no data page yet (is it replicated there?)`);
  } finally {
    s.close();
  }
  await stopNode(node, left());
  const file = path.join(node.dataDir, rel);
  // The middle of block 0: tuple data for a filled page, free space otherwise; the checksum covers both.
  const offset = PAGE / 2 - 8;
  const fd = openSync(file, 'r+');
  try {
    const buf = Buffer.alloc(16);
    readSync(fd, buf, 0, 16, offset);
    for (let i = 0; i < buf.length; i++) buf[i] = buf[i]! ^ 0xff;
    writeSync(fd, buf, 0, 16, offset);
  } finally {
    closeSync(fd);
  }
  if (st.owner) chownSync(file, st.owner.uid, st.owner.gid);
  const started = await startNode(st, node, left());
  return `${node.name}: 16 bytes flipped at offset ${offset} of block 0 of ${rel} (${statSync(file).size} bytes, table ${table}, data_checksums ${checksums}); ${started}`;
}
