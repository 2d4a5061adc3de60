// Observing the cluster's nodes directly (each node's own DSN), with short deadlines: who is up,
// who is primary, how far each has received WAL. Observation only: faults go through actions.
import { settle, within } from '@helios-conformance/sql';
import { closeClient, destroyClient, loadPg, parsePgDsn } from '@helios-conformance/sql/postgres';
import type { Topology, TopologyNode } from '../topology.js';

/** What one look at a node found. */
export interface NodeState {
  node: string;
  up: boolean;
  /** pg_is_in_recovery() = false. */
  primary: boolean;
  /** WAL position: pg_current_wal_lsn() on a primary, pg_last_wal_receive_lsn() (or replay) on a standby, as a number. */
  lsn: bigint | undefined;
  error?: string;
}

const lsnNumber = (s: string | null | undefined): bigint | undefined => {
  if (!s) return undefined;
  const [hi, lo] = s.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
};

/** Looks at one node within `ms`. */
export async function nodeState(n: TopologyNode, ms = 1_500): Promise<NodeState> {
  const p = parsePgDsn(n.dsn);
  const pg = await loadPg();
  const c = new pg.Client({
    host: p.host,
    port: p.port,
    user: p.user,
    password: p.password,
    database: p.database,
    connectionTimeoutMillis: ms,
    ssl: p.sslmode === 'disable' || p.sslmode === 'allow' || p.sslmode === 'prefer' ? false : { rejectUnauthorized: p.sslmode !== 'require' },
    application_name: 'helios-ha-dr-observer',
  });
  c.on('error', () => undefined);
  const r = await within(
    settle(
      (async () => {
        await c.connect();
        const q = await c.query<{ rec: boolean; lsn: string | null }>(
          'SELECT pg_is_in_recovery() AS rec, CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text ELSE pg_current_wal_lsn()::text END AS lsn',
        );
        return q.rows[0];
      })(),
    ),
    ms,
  );
  if (r.timedOut) {
    destroyClient(c);
    return { node: n.name, up: false, primary: false, lsn: undefined, error: `no answer within ${ms} ms` };
  }
  await closeClient(c, 500);
  if (!r.value.ok) return { node: n.name, up: false, primary: false, lsn: undefined, error: String((r.value.error as Error).message ?? r.value.error) };
  return { node: n.name, up: true, primary: r.value.value?.rec === false, lsn: lsnNumber(r.value.value?.lsn) };
}

/** Every node, looked at in parallel. */
export function clusterState(t: Topology, ms = 1_500): Promise<NodeState[]> {
  return Promise.all(t.nodes.map((n) => nodeState(n, ms)));
}

/** The nodes that are primary now. */
export async function primaries(t: Topology, ms = 1_500): Promise<string[]> {
  return (await clusterState(t, ms)).filter((s) => s.up && s.primary).map((s) => s.node);
}
