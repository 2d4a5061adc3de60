import type { MyTarget } from '@helios-conformance/sql/mysql';
import type { PgTarget } from '@helios-conformance/sql/postgres';
import type { Topology } from './topology.js';

/** The seed's SLAs (reliability quick reference), each an option a vendor may tighten. */
export interface Sla {
  /** Fault injected → first acknowledged write on the new primary. Seed: < 60 s. */
  rtoMs: number;
  /** New primary chosen and promoted. Seed: < 5 s. */
  electionMs: number;
  /** Fault injected → the loss noticed (first failed or in-doubt write, or the node seen down). Seed: < 10 s. */
  detectionMs: number;
  /** Acknowledged writes that may be lost. Seed: 0. */
  rpoWrites: number;
  /** Old primary started again → it is primary again and acknowledges writes (rejoin, catch-up, switchover). Seed: < 5 min. */
  failbackMs: number;
  /** TC-BR-002: how far from T a point-in-time restore may cut (the markers bound it). Seed: sub-second. */
  pitrAccuracyMs: number;
  /** TC-BR-002: one point-in-time restore, copy to promoted server (the seed's PITR RTO). Seed: < 60 s. */
  pitrRestoreMs: number;
  /** TC-BR-003: a marker committed on the primary → visible on a region's node. Seed: cross-region lag < 5 min. */
  regionLagMs: number;
  /**
   * A partition cut the primary off while another node became primary: cut → the cut-off primary's
   * last acknowledged write (it is detected and fenced). Seed: split-brain detection < 5 s.
   */
  splitBrainMs: number;
  /** TC-AF-003: a node killed or started while a quorum stays up → the first acknowledged write sent after it. Seed: cascade recovery < 10 s per node. */
  cascadeRecoveryMs: number;
}

export const SEED_SLA: Readonly<Sla> = Object.freeze({ rtoMs: 60_000, electionMs: 5_000, detectionMs: 10_000, rpoWrites: 0, failbackMs: 300_000, splitBrainMs: 5_000, cascadeRecoveryMs: 10_000, pitrAccuracyMs: 1_000, pitrRestoreMs: 60_000, regionLagMs: 300_000 });

/** What every ha-dr case receives as `ctx.target`. */
export interface HaDrTarget {
  readonly topology: Topology;
  /**
   * The run's session through the client-facing DSN (its schema holds the ledgers), for a
   * `postgres` topology. Cases written for PostgreSQL check `topology.family` first: on a `mysql`
   * topology this is undefined (cast), and {@link my} holds the session.
   */
  readonly client: PgTarget;
  /** The run's session (database `hc_<run id>`) for a `mysql` topology; undefined otherwise. */
  readonly my?: MyTarget;
  readonly sla: Sla;
  /** Writer clients (default 4). */
  readonly writers: number;
  /** How long the writer runs before a fault (steady state) and after recovery. */
  readonly steadyMs: number;
  /** Backups in the TC-BR-001 chain (a full, then incremental and differential ones; default 4). */
  readonly backups: number;
  /** TC-BR-002: target times restored (default 3). */
  readonly pitrTargets: number;
  /** TC-BR-005: backups started at once (default 3: full, incr, diff). */
  readonly concurrentBackups: number;
  /** `ci` (default) or `full` (nightly sizes: e.g. TC-AF-004 runs every partition of a big cluster). */
  readonly size: 'ci' | 'full';
  /** TC-AF-004: how long each partition stays cut (undefined: the case's default, see split-brain.ts). */
  readonly splitWindowMs: number | undefined;
  /** HA-040: how long each phase's partition stays cut (undefined: 10 s, as the seed). */
  readonly witnessWindowMs?: number;
  /** HA-040: the primary's longest stall allowed in either phase (undefined: reported only). */
  readonly witnessStallMs?: number;
  /** TC-AF-003: nodes that must be up for the cluster to acknowledge writes (undefined: a majority of the topology's nodes). */
  readonly quorum: number | undefined;
  /** Report sections the cases fill (`hadr.<case id>`: timings, ledger, timeline, actions). */
  readonly sections: Record<string, unknown>;
}
