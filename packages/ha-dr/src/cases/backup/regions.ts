// TC-BR-003, replication to several "regions": every standby of the topology stands for a region
// (a node in another data centre is one more hop, the same measurement). Under the ledger's write
// load, a probe is committed on the primary (through the client DSN) every 100 ms; one observer per
// region polls that region's node directly and notes when each probe becomes visible there. Lag per
// probe = visible on the region − acknowledged by the primary (0 when it was visible first: sync
// replication); bytes = the primary's WAL position taken with the probe − the region's replay
// position last seen before the acknowledgement. Reported as p50 / max per region against the lag
// SLA; the last probe must reach every region within the SLA. With `backup` and `restore` declared,
// the backup repository (the region the backups go to) is checked too: a backup taken under the load
// restores and holds every probe acknowledged before it.
//
// A topology that lists several backup repositories (`repos`, e.g. pgBackRest's repo1 and repo2 in
// two regions) makes each one a region of its own, judged on two counts:
// - WAL shipping lag: the suite notes the segment the primary writes into
//   (pg_walfile_name(pg_current_wal_lsn())), starts `wal-archived {repo} {segment}` for every
//   repository, gives those commands a lead (WAL_LEAD_MS) to be up and looking, commits a marker and
//   forces the switch (pg_switch_wal()). Lag = the command's exit − the switch's acknowledgement, on
//   the suite's clock: an upper bound (it includes the command's exit, and any start-up longer than
//   the lead — the sample is flagged when the segment was there before the command began looking,
//   as the testbed's "waited 0 ms" says). Several switches per run; p50 / max against the lag SLA.
// - standing alone: a backup into that repository under the load, restored FROM that repository
//   (`restore {target} {repo}`) and read by content.
import { defineCase, type CaseContext } from '@helios-conformance/core';
import { settle, sleep, within } from '@helios-conformance/sql';
import { closeClient, destroyClient, loadPg, parsePgDsn, pgSslOptions } from '@helios-conformance/sql/postgres';
import type { Client } from 'pg';
import { describeFailure } from '../../actions.js';
import { clusterState } from '../../_internal/nodes.js';
import { createLedger, startWriter } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import type { TopologyNode } from '../../topology.js';
import { lastLine, restoreAndRead, start, type Act } from './backup.js';

type Ctx = CaseContext<HaDrTarget>;

const lsnNumber = (s: string | null | undefined): number | undefined => {
  if (!s) return undefined;
  const [hi, lo] = s.split('/');
  return Number((BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`));
};

/** The q-quantile (nearest rank) of `xs`. */
export function quantile(xs: number[], q: number): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** A region's observer: its node's newest probe and replay position, polled until stopped. */
class Observer {
  readonly seen = new Map<number, number>();
  readonly positions: Array<{ at: number; lsn: number }> = [];
  error: string | undefined;
  private client: Client | undefined;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  constructor(
    readonly node: TopologyNode,
    private readonly qualified: string,
  ) {}

  async open(ms: number): Promise<void> {
    const p = parsePgDsn(this.node.dsn);
    const pg = await loadPg();
    const c = new pg.Client({
      host: p.host,
      port: p.port,
      user: p.user,
      password: p.password,
      database: p.database,
      connectionTimeoutMillis: ms,
      query_timeout: ms,
      ssl: await pgSslOptions(p),
      application_name: 'helios-ha-dr-region-observer',
    });
    c.on('error', () => undefined);
    const r = await within(settle(c.connect()), ms);
    if (r.timedOut || !r.value.ok) {
      destroyClient(c);
      throw new Error(`region ${this.node.name}: cannot connect (${r.timedOut ? `no answer within ${ms} ms` : String((r.value as { error: unknown }).error)})`);
    }
    this.client = c;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let newest = -1;
    while (!this.stopped) {
      try {
        const r = await this.client!.query<{ id: string | null; lsn: string | null }>(
          `SELECT (SELECT max(id) FROM ${this.qualified})::text AS id, coalesce(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text AS lsn`,
        );
        const at = Date.now();
        const id = r.rows[0]?.id == null ? -1 : Number(r.rows[0].id);
        const lsn = lsnNumber(r.rows[0]?.lsn);
        if (lsn !== undefined) this.positions.push({ at, lsn });
        // Probes commit in id order on one connection: every id up to the newest is visible.
        for (let i = newest + 1; i <= id; i++) this.seen.set(i, at);
        newest = Math.max(newest, id);
        this.error = undefined;
      } catch (e) {
        this.error = (e as Error).message;
        await sleep(50);
      }
      await sleep(10);
    }
  }

  /** Resolves once probe `id` is visible, or at the deadline. */
  async waitFor(id: number, deadline: number): Promise<boolean> {
    while (!this.seen.has(id) && Date.now() < deadline) await sleep(20);
    return this.seen.has(id);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await within(this.loop, 2_000);
    if (this.client) await closeClient(this.client, 1_000);
  }
}

/** The lead the `wal-archived` commands get before the switch: enough for a CLI to start on a loaded machine. */
export const WAL_LEAD_MS = 1_500;

/** One backup repository as a region. */
interface RepositoryReport {
  repo: string;
  /** WAL shipping: per forced switch, the segment and how long until it was in this repository (null: never within the SLA). */
  wal: Array<{ segment: string; ms: number | null; upperBound: boolean; error?: string }>;
  walLagMsP50: number | null;
  walLagMsMax: number | null;
  backup?: { label: string; ms: number; startedAt: number };
  backupError?: string;
  restoreMs?: number | null;
  probesBefore?: number;
  missing?: number;
  restoreError?: string;
}

/**
 * Forces `samples` WAL switches on the primary (through `c`) and times each segment's arrival in
 * every repository with the topology's `wal-archived {repo} {segment}` (see the head comment).
 */
async function walShipping(ctx: Ctx, act: Act, c: Client, markers: string, repos: RepositoryReport[], samples: number, slaMs: number): Promise<string | undefined> {
  for (let i = 0; i < samples; i++) {
    const cur = await c.query<{ seg: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS seg');
    const predicted = cur.rows[0]!.seg;
    let switchedAt = 0;
    const wait = (segment: string) =>
      repos.map(async (r) => {
        const w = await act('wal-archived', { repo: r.repo, segment }, { timeoutMs: WAL_LEAD_MS + slaMs });
        return { r, w, at: Date.now() };
      });
    const waiting = wait(predicted);
    await sleep(WAL_LEAD_MS, ctx.signal);
    let segment: string;
    try {
      await c.query(`INSERT INTO ${markers} (id) VALUES (${i + 1})`);
      const sw = await c.query<{ seg: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS seg');
      switchedAt = Date.now();
      segment = sw.rows[0]!.seg;
    } catch (e) {
      await Promise.all(waiting);
      // Only a refusal (42501) is about the user's rights; a broken session or a failover is not.
      const denied = (e as { code?: string }).code === '42501';
      return `cannot force a WAL switch on the primary to time WAL shipping (${(e as Error).message.split('\n')[0]})${denied ? ": the client DSN's user needs pg_switch_wal()" : ''}`;
    }
    let done = await Promise.all(waiting);
    // Another switch (archive_timeout, a backup) finished the predicted segment first: time the
    // switched one with a late start (its start-up then counts: an upper bound, flagged).
    const late = segment !== predicted;
    if (late) done = await Promise.all(wait(segment));
    for (const { r, w, at } of done) {
      const waited = /waited (\d+) ms/.exec(w.stdout)?.[1];
      r.wal.push({
        segment,
        ms: w.ok ? Math.max(0, at - switchedAt) : null,
        upperBound: late || waited === '0' || waited === '1',
        ...(w.ok ? {} : { error: describeFailure(w) }),
      });
    }
  }
  for (const r of repos) {
    const ms = r.wal.map((x) => x.ms).filter((x): x is number => x !== null);
    r.walLagMsP50 = quantile(ms, 0.5);
    r.walLagMsMax = ms.length ? Math.max(...ms) : null;
  }
  return undefined;
}

interface RegionReport {
  node: string;
  probes: number;
  visible: number;
  lagMsP50: number | null;
  lagMsMax: number | null;
  lagBytesP50: number | null;
  lagBytesMax: number | null;
  lastProbeMs: number | null;
  error?: string;
}

/** TC-BR-003: replication lag per region under writes, in time and bytes; the backup repository restores. */
export const regionReplication = defineCase<HaDrTarget>({
  id: 'TC-BR-003',
  title: 'replication to several regions (each standby a region, and each backup repository the topology lists) under write load: lag per standby in time and bytes and WAL shipping lag per repository (p50 / max) within the SLA, every probe reaches every region, and a backup taken under the load into each repository restores from that repository with its content',
  priority: 'p1',
  area: 'backup',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-BR-003',
  destructive: true,
  timeoutMs: 900_000,
  async run(ctx: Ctx) {
    const t = ctx.target.topology;
    // Probes, WAL positions and the ledger are PostgreSQL's (a mysql-family topology, e.g. Galera, is multi-primary).
    if ((t.family as string) !== 'postgres') ctx.notApplicable(`TC-BR-003 measures PostgreSQL streaming replication; the topology's family is ${t.family}`);
    const states = await clusterState(t);
    const primary = states.filter((s) => s.up && s.primary);
    const regions = t.nodes.filter((n) => states.some((s) => s.node === n.name && s.up && !s.primary));
    if (primary.length !== 1) return ctx.fail(`steady state not reached: ${primary.length} nodes answer as primary (${primary.map((p) => p.node).join(', ') || 'none'})`);
    if (regions.length < 2) ctx.notApplicable(`TC-BR-003 needs at least two standbys up to stand for regions; the topology has ${regions.length}`);
    const { rep, phase, act } = start(ctx);
    const sla = ctx.target.sla.regionLagMs;
    const table = 'markers_tc_br_003';
    const probes = 'probes_tc_br_003';
    await createLedger(ctx.target.client, table);
    const qp = ctx.target.client.qualify(probes);
    const qw = ctx.target.client.qualify('wal_tc_br_003');
    // Several repositories listed: each is a region (one repository is the backup check of old).
    const repoNames = t.repos && t.repos.length > 1 ? t.repos : undefined;
    const repos: RepositoryReport[] = (repoNames ?? []).map((repo) => ({ repo, wal: [], walLagMsP50: null, walLagMsMax: null }));
    const backupTargets: Array<string | undefined> = repoNames ?? [undefined];
    const c = await ctx.target.client.connect();
    const observers = regions.map((n) => new Observer(n, qp));
    const writer = startWriter(ctx.target.client, table, { clients: ctx.target.writers, paceMs: 10, random: () => ctx.rng.next() });
    let writerStopped = false;
    ctx.defer(async () => {
      if (!writerStopped) await writer.stop();
      await Promise.all(observers.map((o) => o.stop()));
      await closeClient(c);
    });
    await c.query(`CREATE TABLE ${qp} (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    if (repos.length) await c.query(`CREATE TABLE ${qw} (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    // The table must exist on every region before its observer polls it.
    await c.query(`INSERT INTO ${qp} (id) VALUES (0)`);
    for (const o of observers) await o.open(5_000);
    const ready = await Promise.all(observers.map((o) => o.waitFor(0, Date.now() + Math.min(sla, 30_000))));
    const absent = observers.filter((_, i) => !ready[i]).map((o) => o.node.name);
    phase('steady state', `${ctx.target.writers} ledger writers through the client DSN on primary ${primary[0]!.node}; regions: ${[...regions.map((r) => r.name), ...repos.map((r) => `repository ${r.repo}`)].join(', ')}${absent.length ? `; the probe table never reached ${absent.join(', ')}` : ''}`);

    const acks: Array<{ id: number; at: number; lsn: number | undefined }> = [];
    const until = Date.now() + ctx.target.steadyMs;
    // One backup per repository (one after the other: a stanza takes one backup at a time).
    const backups = new Map<string | undefined, { label: string; startedAt: number; ms: number }>();
    const backupErrors = new Map<string | undefined, string>();
    const backupRun =
      t.actions.backup && t.actions.restore
        ? (async () => {
            await sleep(ctx.target.steadyMs / 2, ctx.signal);
            for (const repo of backupTargets) {
              const startedAt = Date.now();
              const r = await act('backup', { kind: 'incr', ...(repo !== undefined ? { repo } : {}) });
              if (r.ok) backups.set(repo, { label: lastLine(r.stdout), startedAt, ms: r.ms });
              else backupErrors.set(repo, describeFailure(r));
            }
          })()
        : Promise.resolve();
    for (let id = 1; Date.now() < until; id++) {
      const q = await within(settle(c.query<{ lsn: string }>(`INSERT INTO ${qp} (id) VALUES (${id}) RETURNING pg_current_wal_lsn()::text AS lsn`)), 5_000);
      if (q.timedOut) return ctx.fail(`probe ${id} was not acknowledged within 5000 ms`);
      if (!q.value.ok) return ctx.fail(`probe ${id} failed on the primary: ${(q.value.error as Error).message}`);
      acks.push({ id, at: Date.now(), lsn: lsnNumber(q.value.value.rows[0]?.lsn) });
      await sleep(100, ctx.signal);
    }
    await backupRun;
    // WAL shipping to each repository, still under the writers.
    let walNote: string | undefined;
    if (repos.length && t.actions['wal-archived']) walNote = await walShipping(ctx, act, c, qw, repos, ctx.target.size === 'full' ? 10 : 3, sla);
    const last = acks.at(-1)!;
    await Promise.all(observers.map((o) => o.waitFor(last.id, last.at + sla)));
    await writer.stop();
    writerStopped = true;
    const taken = [...backups.entries()].map(([repo, b]) => `backup incr ${b.label}${repo !== undefined ? ` into repository ${repo}` : ''} (${b.ms} ms)`);
    phase('fault', `${acks.length} probes committed on the primary, 100 ms apart, under the writers${taken.length ? `; ${taken.join(', ')} taken meanwhile` : ''}${repos[0]?.wal.length ? `; ${repos[0].wal.length} WAL switches forced and timed into ${repos.map((r) => `repository ${r.repo}`).join(', ')}` : ''}`);

    const reports: RegionReport[] = observers.map((o) => {
      const lags: number[] = [];
      const bytes: number[] = [];
      for (const a of acks) {
        const seen = o.seen.get(a.id);
        if (seen !== undefined) lags.push(Math.max(0, seen - a.at));
        const pos = o.positions.filter((p) => p.at <= a.at).at(-1);
        if (pos && a.lsn !== undefined) bytes.push(Math.max(0, a.lsn - pos.lsn));
      }
      const lastSeen = o.seen.get(last.id);
      return {
        node: o.node.name,
        probes: acks.length,
        visible: acks.filter((a) => o.seen.has(a.id)).length,
        lagMsP50: quantile(lags, 0.5),
        lagMsMax: lags.length ? Math.max(...lags) : null,
        lagBytesP50: quantile(bytes, 0.5),
        lagBytesMax: bytes.length ? Math.max(...bytes) : null,
        lastProbeMs: lastSeen === undefined ? null : Math.max(0, lastSeen - last.at),
        ...(o.error ? { error: o.error } : {}),
      };
    });
    rep.regions = reports;
    for (const r of reports) {
      phase('observation', `region ${r.node}: ${r.visible}/${r.probes} probes visible; lag p50 ${r.lagMsP50 ?? '–'} ms, max ${r.lagMsMax ?? '–'} ms; ${r.lagBytesP50 ?? '–'} / ${r.lagBytesMax ?? '–'} bytes behind (p50 / max)${r.lastProbeMs === null ? `; the last probe never arrived within ${sla} ms` : ''}`);
      ctx.metric(`lagMsP50_${r.node}`, r.lagMsP50);
      ctx.metric(`lagMsMax_${r.node}`, r.lagMsMax);
      ctx.metric(`lagBytesMax_${r.node}`, r.lagBytesMax);
    }
    const maxLag = Math.max(...reports.map((r) => (r.lastProbeMs === null ? Infinity : (r.lagMsMax ?? 0))));
    ctx.metric('regions', reports.length);
    ctx.metric('regionLagMsMax', Number.isFinite(maxLag) ? maxLag : null);
    rep.sla = { regionLagMs: sla };
    rep.timings = { regionLagMsMax: Number.isFinite(maxLag) ? maxLag : null };

    for (const r of repos) {
      const ok = r.wal.filter((x) => x.ms !== null).length;
      phase('observation', r.wal.length ? `region repository ${r.repo}: ${ok}/${r.wal.length} WAL segments arrived; shipping lag p50 ${r.walLagMsP50 ?? '–'} ms, max ${r.walLagMsMax ?? '–'} ms${r.wal.some((x) => x.upperBound) ? ' (some samples are upper bounds: the segment was there before the check began)' : ''}` : `region repository ${r.repo}: WAL shipping not timed (${walNote ?? 'the topology declares no "wal-archived" action'})`);
      ctx.metric(`walLagMsP50_repo${r.repo}`, r.walLagMsP50);
      ctx.metric(`walLagMsMax_repo${r.repo}`, r.walLagMsMax);
    }
    if (repos.length) rep.repositories = repos;

    const restoreNotes: string[] = [];
    const restoreMs: number[] = [];
    for (const repo of backupTargets) {
      const b = backups.get(repo);
      const name = repo === undefined ? 'backup repository' : `region repository ${repo}`;
      const rr = repos.find((x) => x.repo === repo);
      if (!b) {
        const err = backupErrors.get(repo);
        if (err) {
          restoreNotes.push(`${name}: backup under the load failed: ${err}`);
          if (rr) rr.backupError = err;
        } else if (!t.actions.backup || !t.actions.restore) phase('observation', 'the topology declares no backup/restore actions: the backup repository is not judged');
        continue;
      }
      const before = acks.filter((a) => a.at < b.startedAt).map((a) => a.id);
      const res = await restoreAndRead(ctx, act, b.label, qp, repo);
      const missing = res.ids ? before.filter((id) => !res.ids!.has(id)) : [];
      if (repo === undefined) rep.repository = { label: b.label, probesBefore: before.length, missing: missing.length, restoreMs: res.ms, ...(res.error ? { error: res.error } : {}) };
      if (rr) Object.assign(rr, { backup: b, restoreMs: res.error ? null : res.ms, probesBefore: before.length, missing: missing.length, ...(res.error ? { restoreError: res.error } : {}) });
      const from = repo === undefined ? '' : ` from repository ${repo}`;
      if (res.error) restoreNotes.push(`${name}: restore of ${b.label}${from}: ${res.error}`);
      else if (missing.length) restoreNotes.push(`${name}: restore of ${b.label}${from}: ${missing.length} of ${before.length} probes acknowledged before the backup are missing`);
      if (!res.error) restoreMs.push(res.ms);
      phase('observation', res.error ? `${name}: ${res.error}` : `${name}: ${b.label} restored${from} in ${res.ms} ms, ${before.length - missing.length}/${before.length} probes acknowledged before it present`);
      if (rr) ctx.metric(`restoreMs_repo${repo}`, res.error ? null : res.ms);
    }
    if (backups.size || backupErrors.size) ctx.metric('repositoryRestoreMs', restoreMs.length === backupTargets.length ? Math.max(...restoreMs) : null);
    phase('rollback', 'writers and observers stopped; restored server dropped');

    const broken: string[] = [];
    for (const r of reports) {
      if (r.lastProbeMs === null) broken.push(`region ${r.node}: the last probe was not visible within the lag SLA of ${sla} ms (${r.visible}/${r.probes} probes arrived${r.error ? `; ${r.error}` : ''})`);
      else if ((r.lagMsMax ?? 0) > sla) broken.push(`region ${r.node}: lag ${r.lagMsMax} ms exceeds the SLA of ${sla} ms`);
    }
    for (const r of repos) {
      const lost = r.wal.filter((x) => x.ms === null);
      if (lost.length) broken.push(`region repository ${r.repo}: WAL segment ${lost[0]!.segment} was not in the repository within the lag SLA of ${sla} ms (${r.wal.length - lost.length}/${r.wal.length} forced segments arrived)`);
      else if ((r.walLagMsMax ?? 0) > sla) broken.push(`region repository ${r.repo}: WAL shipping lag ${r.walLagMsMax} ms exceeds the SLA of ${sla} ms`);
    }
    if (walNote) broken.push(walNote);
    broken.push(...restoreNotes);
    if (broken.length) return ctx.fail(broken.join('; '));
  },
});
