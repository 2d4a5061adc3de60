import { createRequire } from 'node:module';
import { CannotRunError, defineSuite, type OpenOptions, type Suite, type SuiteSession } from '@helios-conformance/core';
import { classifyPgError, fromDsn, type PgTarget } from '@helios-conformance/sql/postgres';
import pkg from '../package.json' with { type: 'json' };
import { haDrCases } from './cases/index.js';
import { renderHaDrConsole, renderHaDrHtml } from './report.js';
import { SEED_SLA, type HaDrTarget, type Sla } from './target.js';
import { distinctNodePorts, loadTopology, nodePort, type Topology } from './topology.js';
import { learnServerPorts } from './_internal/nodes.js';

/** Version of this package (read from its package.json). */
export const HA_DR_SUITE_VERSION: string = pkg.version;

const int = (o: OpenOptions, name: string, fallback: number, min: number, max: number): number => {
  const v = o.options[name];
  if (v === undefined || v === false) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || n < min || n > max) throw new CannotRunError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
};

function slaOf(o: OpenOptions): Sla {
  return {
    rtoMs: int(o, 'sla-rto-ms', SEED_SLA.rtoMs, 100, 3_600_000),
    electionMs: int(o, 'sla-election-ms', SEED_SLA.electionMs, 100, 3_600_000),
    detectionMs: int(o, 'sla-detection-ms', SEED_SLA.detectionMs, 100, 3_600_000),
    rpoWrites: int(o, 'sla-rpo-writes', SEED_SLA.rpoWrites, 0, 1_000_000),
    failbackMs: int(o, 'sla-failback-ms', SEED_SLA.failbackMs, 1_000, 3_600_000),
    pitrAccuracyMs: int(o, 'sla-pitr-accuracy-ms', SEED_SLA.pitrAccuracyMs, 1, 3_600_000),
    pitrRestoreMs: int(o, 'sla-pitr-restore-ms', SEED_SLA.pitrRestoreMs, 100, 3_600_000),
    regionLagMs: int(o, 'sla-region-lag-ms', SEED_SLA.regionLagMs, 1, 3_600_000),
    splitBrainMs: int(o, 'sla-split-brain-ms', SEED_SLA.splitBrainMs, 100, 3_600_000),
    cascadeRecoveryMs: int(o, 'sla-cascade-recovery-ms', SEED_SLA.cascadeRecoveryMs, 100, 3_600_000),
  };
}

function sizeOf(o: OpenOptions): 'ci' | 'full' {
  const v = o.options.size ?? 'ci';
  if (v !== 'ci' && v !== 'full') throw new CannotRunError(`--size must be ci or full, not ${JSON.stringify(v)}`);
  return v;
}

/**
 * mysql2 is an optional peer: most clusters judged here speak PostgreSQL, and the driver is a third of
 * the package's install. A mysql topology without it is one line that says what to install.
 */
export function requireMysql2(resolve: (id: string) => string = createRequire(import.meta.url).resolve): void {
  try {
    resolve('mysql2');
  } catch {
    throw new CannotRunError('this topology\'s family is mysql: it needs the driver mysql2, an optional peer dependency of @helios-conformance/ha-dr that is not installed: npm install mysql2');
  }
}

/** The open session on a topology: the run schema on the client DSN, the cluster to stop if the run started it. */
async function openOnTopology(t: Topology, o: OpenOptions, stopCluster?: () => Promise<void>): Promise<SuiteSession<HaDrTarget>> {
  let client;
  let my;
  try {
    if (t.family === 'mysql') {
      // The MySQL wire family (e.g. Galera): the run's database through the client DSN.
      requireMysql2();
      const { fromDsn: fromMysqlDsn } = await import('@helios-conformance/sql/mysql');
      client = await fromMysqlDsn(t.clientDsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log });
      my = client.target;
    } else client = await fromDsn(t.clientDsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log });
  } catch (e) {
    await stopCluster?.();
    throw e;
  }
  // The ledger knows a write's node by the port its server reports; behind a proxy or a port mapping
  // that is not the DSN's port, and every ack would be "not the primary's".
  const moved = await learnServerPorts(t);
  if (moved.length) o.log(`node ports as their servers report them: ${moved.map((m) => `${m.node} ${m.serverPort} (DSN ${m.dsnPort})`).join(', ')}`);
  // Servers on one port in separate hosts or containers: said, not guessed (see Topology.serverPorts).
  if (!distinctNodePorts(t)) o.log(`warning: several nodes report the same server port (${t.nodes.map((n) => `${n.name} ${nodePort(t, n)}`).join(', ')}): a write acknowledged through the client DSN is credited to the first of them`);
  const sections: Record<string, unknown> = {};
  const target: HaDrTarget = {
    topology: t,
    client: (my ? undefined : client.target) as PgTarget,
    ...(my ? { my } : {}),
    sla: slaOf(o),
    writers: int(o, 'writers', 4, 1, 64),
    steadyMs: int(o, 'steady-ms', 2_000, 200, 600_000),
    backups: int(o, 'backups', sizeOf(o) === 'full' ? 120 : 4, 1, 1_000),
    pitrTargets: int(o, 'pitr-targets', 3, 1, 100),
    concurrentBackups: int(o, 'concurrent-backups', sizeOf(o) === 'full' ? 10 : 3, 2, 64),
    size: sizeOf(o),
    splitWindowMs: o.options['split-window-ms'] === undefined ? undefined : int(o, 'split-window-ms', 0, 500, 3_600_000),
    witnessWindowMs: o.options['witness-window-ms'] === undefined ? undefined : int(o, 'witness-window-ms', 0, 500, 3_600_000),
    witnessStallMs: o.options['sla-witness-stall-ms'] === undefined ? undefined : int(o, 'sla-witness-stall-ms', 0, 100, 3_600_000),
    quorum: o.options.quorum === undefined ? undefined : int(o, 'quorum', 0, 1, t.nodes.length),
    sections,
  };
  sections.topology = { name: t.name, source: t.source, nodes: t.nodes.map((n) => n.name), ...(t.witnesses.length ? { witnesses: t.witnesses.map((w) => w.name) } : {}), replication: t.replication ?? null, failover: t.failover, actions: Object.keys(t.actions).sort(), serverPorts: t.serverPorts ?? {} };
  sections.sla = target.sla;
  return {
    target,
    server: `${client.server} — topology "${t.name}" (${t.nodes.length} nodes${t.replication ? `, ${t.replication} replication` : ''}, ${t.failover} failover)`,
    capabilities: Object.keys(t.actions).map((a) => `action:${a}`),
    secrets: t.nodes.map((n) => new URL(n.dsn).password).filter(Boolean).map(decodeURIComponent),
    sections: () => sections,
    async close() {
      try {
        await client.close();
      } finally {
        await stopCluster?.();
      }
    },
  };
}

/**
 * `--topology FILE` judges the cluster it describes; without it (as root on Debian) the suite
 * starts the testbed's reference cluster on loopback — PostgreSQL 15 streaming replication, one
 * primary and two standbys behind a router, synchronous unless `--replication async` — and judges that.
 */
export async function openHaDr(o: OpenOptions): Promise<SuiteSession<HaDrTarget>> {
  if (o.dsn !== undefined) throw new CannotRunError('ha-dr judges a cluster, not one endpoint: pass --topology FILE (the client DSN and every node are in it), or nothing for the reference cluster');
  // Every case kills, partitions or restores nodes: without the flag a run would skip them all and
  // still read "conformant", so it refuses before touching (or starting) any cluster.
  if (!o.allowDestructive) throw new CannotRunError('every ha-dr case kills, partitions or restores nodes: pass --allow-destructive to run them (nothing was started or changed)');
  const file = o.options.topology;
  if (typeof file === 'string') {
    const t = await loadTopology(file);
    o.log(`topology ${file}: "${t.name}", nodes ${t.nodes.map((n) => n.name).join(', ')}${t.witnesses.length ? ` (witness ${t.witnesses.map((w) => w.name).join(', ')})` : ''}, actions ${Object.keys(t.actions).join(', ') || 'none'}`);
    return openOnTopology(t, o);
  }
  const replication = o.options.replication ?? 'sync';
  if (replication !== 'sync' && replication !== 'async') throw new CannotRunError(`--replication must be sync or async, not ${JSON.stringify(replication)}`);
  o.log(`no --topology: starting the reference cluster (PostgreSQL 15 streaming replication, 1 primary + 2 standbys, ${replication}, behind a router)`);
  const { startReferenceCluster } = await import('./reference.js');
  const ref = await startReferenceCluster(replication, o);
  return openOnTopology(ref.topology, o, ref.stop);
}

/** The HA/DR suite. */
export const haDrSuite: Suite<HaDrTarget> = defineSuite<HaDrTarget>({
  name: pkg.name,
  version: pkg.version,
  description: 'Failover, leader election, split brain, backups and PITR with RTO/RPO measured on replicated clusters',
  bin: 'helios-ha-dr',
  seedTier: null,
  ecosystem: 'high availability and disaster recovery',
  idPrefixes: ['TC-AF-', 'TC-BR-', 'HA-'],
  cases: [...haDrCases],
  defaultTimeoutMs: 120_000,
  // A rollback starts the old primary again (pg_rewind, catch-up): seconds, more on a loaded machine.
  defaultCleanupTimeoutMs: 60_000,
  dsnExample: '(none: --topology cluster.json names the client DSN and the nodes)',
  defaultTarget: 'the testbed reference cluster: PostgreSQL 15 streaming replication, 1 primary + 2 standbys behind a router (sync; --replication async)',
  describeTarget: (options) => (typeof options.topology === 'string' ? `the cluster in ${options.topology}` : undefined),
  classifyError: (e) => classifyPgError(e).verdict,
  open: openHaDr,
  renderHtml: renderHaDrHtml,
  renderConsole: renderHaDrConsole,
  cliOptions: {
    topology: { type: 'string', valueName: 'FILE', description: 'the cluster to judge: nodes, client DSN and fault/heal actions (schemas/topology.schema.json)' },
    replication: { type: 'string', valueName: 'sync|async', description: 'without --topology: the reference cluster replicates synchronously (default) or asynchronously' },
    writers: { type: 'string', valueName: 'N', description: 'concurrent writer clients of the ledger (default 4)' },
    'steady-ms': { type: 'string', valueName: 'MS', description: 'how long the writers run before a fault (default 2000)' },
    backups: { type: 'string', valueName: 'N', description: 'backups in the TC-BR-001 chain: a full, then incremental and differential ones, each restored and checked (default 4; --size full: 120)' },
    'pitr-targets': { type: 'string', valueName: 'N', description: 'TC-BR-002: target times inside the marker window, each restored and checked (default 3)' },
    'concurrent-backups': { type: 'string', valueName: 'N', description: 'TC-BR-005: backups started at once (default 3; --size full: 10)' },
    size: { type: 'string', valueName: 'ci|full', description: 'ci (default, fast) or full (nightly: every partition of TC-AF-004, 120 backups in the TC-BR-001 chain, 10 concurrent backups in TC-BR-005, longer runs)' },
    'split-window-ms': { type: 'string', valueName: 'MS', description: 'TC-AF-004: how long each partition stays cut (default 3 × --sla-detection-ms with automatic failover, else 5000)' },
    'witness-window-ms': { type: 'string', valueName: 'MS', description: 'HA-040: how long each of its two partitions stays cut (default 10000, as the seed)' },
    'sla-witness-stall-ms': { type: 'string', valueName: 'MS', description: "HA-040: longest time the primary (which keeps the witness) may go without acknowledging a write in either phase (default: reported, not judged; phase 2 must see at least one acknowledged write)" },
    quorum: { type: 'string', valueName: 'N', description: 'TC-AF-003: nodes that must be up for the cluster to acknowledge writes (default a majority of the topology\'s nodes)' },
    'sla-rto-ms': { type: 'string', valueName: 'MS', description: `RTO SLA: fault → first acknowledged write on the new primary (default ${SEED_SLA.rtoMs}, the seed's)` },
    'sla-election-ms': { type: 'string', valueName: 'MS', description: `election SLA (default ${SEED_SLA.electionMs})` },
    'sla-detection-ms': { type: 'string', valueName: 'MS', description: `detection SLA (default ${SEED_SLA.detectionMs})` },
    'sla-failback-ms': { type: 'string', valueName: 'MS', description: `failback SLA: old primary started → primary again, acknowledging writes (default ${SEED_SLA.failbackMs})` },
    'sla-pitr-accuracy-ms': { type: 'string', valueName: 'MS', description: `TC-BR-002: how far from T a point-in-time restore may cut (default ${SEED_SLA.pitrAccuracyMs}: the seed's sub-second)` },
    'sla-pitr-restore-ms': { type: 'string', valueName: 'MS', description: `TC-BR-002: one point-in-time restore, to a promoted server (default ${SEED_SLA.pitrRestoreMs}, the seed's PITR RTO)` },
    'sla-region-lag-ms': { type: 'string', valueName: 'MS', description: `TC-BR-003: a marker committed on the primary → visible on each region's node (default ${SEED_SLA.regionLagMs}, the seed's cross-region lag)` },
    'sla-split-brain-ms': { type: 'string', valueName: 'MS', description: `split-brain detection SLA: a partition → the cut-off primary's last acknowledged write, when another node took over (default ${SEED_SLA.splitBrainMs})` },
    'sla-cascade-recovery-ms': { type: 'string', valueName: 'MS', description: `cascade recovery SLA: a node killed or started while a quorum stays up → the first acknowledged write sent after it (default ${SEED_SLA.cascadeRecoveryMs})` },
    'sla-rpo-writes': { type: 'string', valueName: 'N', description: 'acknowledged writes that may be lost (default 0)' },
  },
});
