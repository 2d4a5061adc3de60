// Observing the cluster's nodes directly (each node's own DSN), with short deadlines: who is up,
// who is primary, how far each has got. Observation only: faults go through actions.
import { familyOfDsn, settle, within } from '@helios-conformance/sql';
import { loadMysql2, mysqlDirectOptions, parseMysqlDsn } from '@helios-conformance/sql/mysql';
import { closeClient, destroyClient, loadPg, parsePgDsn, pgSslOptions } from '@helios-conformance/sql/postgres';
import type { Topology, TopologyNode } from '../topology.js';

/** What one look at a node found. */
export interface NodeState {
  node: string;
  up: boolean;
  /**
   * PostgreSQL: pg_is_in_recovery() = false. MySQL family: the node accepts writes — for Galera,
   * wsrep_ready = ON in the Primary component; otherwise read_only = 0.
   */
  primary: boolean;
  /**
   * How far the node has got, as a number: the WAL position on PostgreSQL (pg_current_wal_lsn() on a
   * primary, pg_last_wal_receive_lsn() or replay on a standby); wsrep_last_committed on Galera.
   */
  lsn: bigint | undefined;
  error?: string;
}

/** A query's answer on one node: its rows, or why there are none (never throws). */
export type NodeAnswer = { ok: true; rows: Array<Record<string, unknown>> } | { ok: false; error: string; code?: string; errno?: number; timedOut: boolean };

/**
 * Opens a direct client to one node's DSN (postgres:// or mysql://), runs `sql` and closes it, all
 * within `ms`; errors are returned, not thrown. Postgres DSNs honour sslmode/sslrootcert as the SQL
 * layer does; MySQL DSNs ssl-mode/ssl-ca likewise.
 */
export async function queryNode(dsn: string, sql: string, ms: number, appName = 'helios-ha-dr-observer'): Promise<NodeAnswer> {
  const family = familyOfDsn(dsn);
  if (family === 'mysql') return queryMysqlNode(dsn, sql, ms);
  if (family !== 'postgres') return { ok: false, error: 'not a postgres:// or mysql:// DSN', timedOut: false };
  const p = parsePgDsn(dsn);
  const pg = await loadPg();
  let ssl;
  try {
    ssl = await pgSslOptions(p);
  } catch (e) {
    return { ok: false, error: (e as Error).message, timedOut: false };
  }
  const c = new pg.Client({ host: p.host, port: p.port, user: p.user, password: p.password, database: p.database, connectionTimeoutMillis: ms, ssl, application_name: appName });
  c.on('error', () => undefined);
  const r = await within(
    settle(
      (async () => {
        await c.connect();
        return (await c.query(sql)).rows as Array<Record<string, unknown>>;
      })(),
    ),
    ms,
  );
  if (r.timedOut) {
    destroyClient(c);
    return { ok: false, error: `no answer within ${ms} ms`, timedOut: true };
  }
  await closeClient(c, 500);
  if (!r.value.ok) {
    const e = r.value.error as { message?: string; code?: unknown };
    return { ok: false, error: String(e?.message ?? e), ...(typeof e?.code === 'string' ? { code: e.code } : {}), timedOut: false };
  }
  return { ok: true, rows: r.value.value };
}

async function queryMysqlNode(dsn: string, sql: string, ms: number): Promise<NodeAnswer> {
  const p = parseMysqlDsn(dsn);
  const mysql = await loadMysql2();
  // The SQL layer's TLS: REQUIRED encrypts, VERIFY_CA / VERIFY_IDENTITY verify against ssl-ca (and the host).
  let options;
  try {
    options = await mysqlDirectOptions(p, ms);
  } catch (e) {
    return { ok: false, error: (e as Error).message, timedOut: false };
  }
  const opening = mysql.createConnection(options);
  let conn: Awaited<typeof opening> | undefined;
  const r = await within(
    settle(
      (async () => {
        conn = await opening;
        conn.on('error', () => undefined);
        const [rows] = await conn.query(sql);
        return (Array.isArray(rows) ? rows : []) as Array<Record<string, unknown>>;
      })(),
    ),
    ms,
  );
  // Destroyed, not ended: a node without quorum may not answer COM_QUIT politely either.
  if (conn) (conn as { destroy(): void }).destroy();
  else void opening.then((c) => c.destroy(), () => undefined);
  if (r.timedOut) return { ok: false, error: `no answer within ${ms} ms`, timedOut: true };
  if (!r.value.ok) {
    const e = r.value.error as { message?: string; code?: unknown; errno?: unknown; sqlState?: unknown };
    return {
      ok: false,
      error: String(e?.message ?? e),
      ...(typeof e?.sqlState === 'string' ? { code: e.sqlState } : typeof e?.code === 'string' ? { code: e.code } : {}),
      ...(typeof e?.errno === 'number' ? { errno: e.errno } : {}),
      timedOut: false,
    };
  }
  return { ok: true, rows: r.value.value };
}

const lsnNumber = (s: unknown): bigint | undefined => {
  if (typeof s !== 'string' || !s) return undefined;
  const [hi, lo] = s.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
};

const PG_STATE_SQL =
  'SELECT pg_is_in_recovery() AS rec, CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text ELSE pg_current_wal_lsn()::text END AS lsn';
// SHOW STATUS answers also on a Galera node outside the Primary component (a table read gets 1047).
const MYSQL_STATE_SQL =
  "SELECT (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_READY') AS ready, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_STATUS') AS status, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LAST_COMMITTED') AS seqno, @@global.read_only AS ro";

/** Looks at one node within `ms`. */
export async function nodeState(n: TopologyNode, ms = 1_500): Promise<NodeState> {
  if (familyOfDsn(n.dsn) === 'mysql') {
    // information_schema is readable without quorum; SHOW STATUS as a fallback when it is not.
    let r = await queryNode(n.dsn, MYSQL_STATE_SQL, ms);
    if (!r.ok && !r.timedOut && r.errno === 1047) r = await queryNode(n.dsn, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready','wsrep_cluster_status','wsrep_last_committed')", ms);
    if (!r.ok) return { node: n.name, up: false, primary: false, lsn: undefined, error: r.error };
    let row = r.rows[0] ?? {};
    if ('Variable_name' in row) {
      const m = new Map(r.rows.map((x) => [String(x.Variable_name).toLowerCase(), String(x.Value)]));
      row = { ready: m.get('wsrep_ready'), status: m.get('wsrep_cluster_status'), seqno: m.get('wsrep_last_committed'), ro: 0 };
    }
    const galera = row.status != null;
    const primary = galera ? row.ready === 'ON' && row.status === 'Primary' : Number(row.ro) === 0;
    const seq = row.seqno != null && /^-?\d+$/.test(String(row.seqno)) ? BigInt(String(row.seqno)) : undefined;
    return { node: n.name, up: true, primary, lsn: seq };
  }
  const r = await queryNode(n.dsn, PG_STATE_SQL, ms);
  if (!r.ok) return { node: n.name, up: false, primary: false, lsn: undefined, error: r.error };
  const row = r.rows[0];
  return { node: n.name, up: true, primary: row?.rec === false, lsn: lsnNumber(row?.lsn) };
}

/** Every node, looked at in parallel. */
export function clusterState(t: Topology, ms = 1_500): Promise<NodeState[]> {
  return Promise.all(t.nodes.map((n) => nodeState(n, ms)));
}

/** The nodes that are primary now. */
export async function primaries(t: Topology, ms = 1_500): Promise<string[]> {
  return (await clusterState(t, ms)).filter((s) => s.up && s.primary).map((s) => s.node);
}

/**
 * Asks every node, through its own DSN, which port its server listens on (what the ledger records
 * for each acknowledged write) and keeps the answers in `t.serverPorts`. A node that does not answer
 * within `ms` keeps its DSN's port. Returns the nodes whose two ports differ.
 */
export async function learnServerPorts(t: Topology, ms = 3_000): Promise<Array<{ node: string; dsnPort: number; serverPort: number }>> {
  const sql = t.family === 'mysql' ? 'SELECT @@port AS port' : 'SELECT inet_server_port() AS port';
  const answers = await Promise.all(t.nodes.map(async (n) => ({ n, r: await queryNode(n.dsn, sql, ms) })));
  const learned: Record<string, number> = { ...t.serverPorts };
  const differ: Array<{ node: string; dsnPort: number; serverPort: number }> = [];
  for (const { n, r } of answers) {
    // NULL over a Unix socket: the DSN's port then stays the node's name for it.
    const port = r.ok ? Number(r.rows[0]?.port) : NaN;
    if (!Number.isInteger(port) || port <= 0) continue;
    learned[n.name] = port;
    const dsnPort = Number(new URL(n.dsn).port || (t.family === 'mysql' ? 3306 : 5432));
    if (dsnPort !== port) differ.push({ node: n.name, dsnPort, serverPort: port });
  }
  t.serverPorts = learned;
  return differ;
}
