// The embedded default: the testbed's reference cluster, judged through the topology file it writes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CannotRunError, type OpenOptions } from '@helios-conformance/core';
import { loadTopology, type Topology } from './topology.js';

/** Starts the testbed's PostgreSQL 15 streaming-replication cluster and reads its topology. */
export async function startReferenceCluster(replication: 'sync' | 'async', o: OpenOptions): Promise<{ topology: Topology; stop: () => Promise<void> }> {
  const tb = (await import('@helios-conformance/testbed')) as Record<string, unknown>;
  const start = tb.startPgCluster as undefined | ((opts: Record<string, unknown>) => Promise<{ topologyPath: string; stop(): Promise<void> }>);
  if (!start) throw new CannotRunError('this testbed has no reference cluster (startPgCluster); pass --topology FILE');
  let cluster: { topologyPath: string; stop(): Promise<void> };
  try {
    // With Debian's pgbackrest installed, the backup actions too (else the backup cases are n/a).
    // Two repositories: the second one is another region for TC-BR-003 (WAL shipped to both).
    const backup = hasPgbackrest() ? { backup: 'pgbackrest', backupRepos: 2 } : {};
    if (!backup.backup) o.log('pgbackrest is not installed: the reference cluster has no backup actions (the backup cases are n/a)');
    cluster = await start({ replication, standbys: 2, ...backup, startTimeoutMs: Math.max(30_000, o.timeoutMs) });
  } catch (e) {
    throw new CannotRunError(`could not start the reference cluster (${(e instanceof Error ? e.message : String(e)).split('\n')[0]}); pass --topology FILE to judge an existing cluster`);
  }
  try {
    return { topology: await loadTopology(cluster.topologyPath), stop: () => cluster.stop() };
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}

function hasPgbackrest(): boolean {
  return (process.env.PATH ?? '/usr/bin').split(path.delimiter).some((d) => d && existsSync(path.join(d, 'pgbackrest')));
}
