// TC-AF-004, split-brain prevention, as one experiment per partition of the node set: steady state
// (exactly one primary, every other node streaming) → fault (the topology's `partition` action cuts
// the nodes into a minority and the rest, or every node apart) → observation (for a window, a probe
// writer per node writes straight to that node's own DSN while the usual writers go through the
// client DSN; every acknowledged write records which node answered it, by the server's own
// inet_server_port()) → rollback (heal, then wait until exactly one primary answers and every other
// node streams again). Split brain = two nodes acknowledging writes in overlapping time windows; the
// ledgers read back after the rollback must have every acknowledged write (a minority's writes that
// the rejoin discarded are lost writes).
import { defineCase } from '@helios-conformance/core';
import { settle, sleep, within } from '@helios-conformance/sql';
import { closeClient, destroyClient, loadPg, parsePgDsn, pgSslOptions, type PgTarget } from '@helios-conformance/sql/postgres';
import type { Client } from 'pg';
import { describeFailure } from '../../actions.js';
import { queryNode } from '../../_internal/nodes.js';
import { createLedger, readBack, startWriter, timeline, type LedgerEntry, type LedgerVerdict, type Writer } from '../../ledger.js';
import type { HaDrTarget } from '../../target.js';
import { distinctNodePorts, type Topology, type TopologyNode } from '../../topology.js';
import { beginExperiment, requireActions } from '../experiment.js';
import { describeLedger, fmtS, ledgerBreaches, POLL_MS, summarize, type Ctx, type Experiment, type LedgerSummary } from './failover.js';

/** How many partitions a `ci` run tries: one of each kind (`--size full`: all of them). */
export const CI_PARTITIONS = 3;

/**
 * The partitions of `nodes` the case tries, each as groups of node names: a standby alone, the
 * primary alone, every node apart, the other standbys alone, then every minority of 2 up to
 * ⌊(n−1)/2⌋ nodes (5+ nodes). Every kind comes before a second one of a kind, so a capped run still
 * covers each; `cap` (undefined: all) cuts the list.
 */
export function partitionsOf(nodes: readonly string[], primary: string, cap?: number): string[][][] {
  const standbys = nodes.filter((n) => n !== primary);
  const rest = (minority: readonly string[]): string[] => nodes.filter((n) => !minority.includes(n));
  const out: string[][][] = [];
  const add = (groups: string[][]): void => {
    const key = groups.map((g) => [...g].sort().join(',')).sort().join('|');
    if (!out.some((o) => o.map((g) => [...g].sort().join(',')).sort().join('|') === key)) out.push(groups);
  };
  if (nodes.length >= 3) {
    if (standbys[0] !== undefined) add([[standbys[0]], rest([standbys[0]])]);
    if (nodes.includes(primary)) add([[primary], rest([primary])]);
  }
  if (nodes.length >= 2) add(nodes.map((n) => [n]));
  if (nodes.length >= 3) for (const s of standbys.slice(1)) add([[s], rest([s])]);
  for (let k = 2; k <= Math.floor((nodes.length - 1) / 2); k++) for (const m of subsets(nodes, k)) add([m, rest(m)]);
  return cap === undefined ? out : out.slice(0, cap);
}

function subsets<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [h, ...t] = xs as [T, ...T[]];
  return [...subsets(t, k - 1).map((s) => [h, ...s]), ...subsets(t, k)];
}

/** One acknowledged write, with the writer that sent it and the node that answered. */
export interface Ack {
  writer: string;
  id: number;
  node: string;
  start: number;
  end: number;
}

/** When one node acknowledged writes: acks less than `gapMs` apart merged into one window. */
export interface AckWindow {
  node: string;
  from: number;
  to: number;
  acks: Ack[];
}

/** Two nodes acknowledging writes at the same time. */
export interface Overlap {
  nodes: [string, string];
  /** Epoch ms (the case reports them relative to the cut). */
  from: number;
  to: number;
  ms: number;
  /** Samples of the writes each node acknowledged within the overlap, as `writer#id`. */
  ids: Record<string, string[]>;
}

/**
 * Per node, the windows in which it acknowledged writes (by the time each answer came), acks less
 * than `gapMs` apart merged. Pure, tested on crafted acks.
 */
export function ackWindows(acks: readonly Ack[], gapMs: number): AckWindow[] {
  const byNode = new Map<string, Ack[]>();
  for (const a of acks) byNode.set(a.node, [...(byNode.get(a.node) ?? []), a]);
  const out: AckWindow[] = [];
  for (const [node, list] of byNode) {
    list.sort((a, b) => a.end - b.end);
    let cur: AckWindow | undefined;
    for (const a of list) {
      if (cur && a.end - cur.to <= gapMs) {
        cur.to = a.end;
        cur.acks.push(a);
      } else {
        cur = { node, from: a.end, to: a.end, acks: [a] };
        out.push(cur);
      }
    }
  }
  return out;
}

/**
 * Every pair of windows of two different nodes that intersect: both nodes acknowledged writes in that
 * time (a single ack inside the other node's window counts, with 0 ms). Pure.
 */
export function ackOverlaps(windows: readonly AckWindow[]): Overlap[] {
  const out: Overlap[] = [];
  for (let i = 0; i < windows.length; i++) {
    for (let j = i + 1; j < windows.length; j++) {
      const a = windows[i] as AckWindow;
      const b = windows[j] as AckWindow;
      if (a.node === b.node) continue;
      const from = Math.max(a.from, b.from);
      const to = Math.min(a.to, b.to);
      if (from > to) continue;
      const within = (w: AckWindow): string[] => w.acks.filter((x) => x.end >= from && x.end <= to).slice(0, 5).map((x) => `${x.writer}#${x.id}`);
      const [x, y] = a.node < b.node ? [a, b] : [b, a];
      out.push({ nodes: [x.node, y.node], from, to, ms: to - from, ids: { [x.node]: within(x), [y.node]: within(y) } });
    }
  }
  return out.sort((p, q) => q.ms - p.ms);
}

/** A target whose sessions go to one node's own DSN (the run's tables are the same there: physical replication). */
export function nodeTarget(base: PgTarget, node: TopologyNode): PgTarget {
  const p = parsePgDsn(node.dsn);
  const connect = async (): Promise<Client> => {
    const pg = await loadPg();
    const c = new pg.Client({
      host: p.host,
      port: p.port,
      user: p.user,
      password: p.password,
      database: p.database,
      connectionTimeoutMillis: 2_000,
      ssl: await pgSslOptions(p),
      application_name: `helios-ha-dr-probe-${node.name}`,
    });
    c.on('error', () => undefined);
    try {
      await c.connect();
    } catch (e) {
      destroyClient(c);
      throw e;
    }
    return c;
  };
  return { ...base, dsn: node.dsn, connect } as PgTarget;
}

/** What one node says about its role: primary, or standby and whether its WAL receiver streams. */
export interface RoleState {
  node: string;
  up: boolean;
  primary: boolean;
  streaming: boolean;
  error?: string;
}

/** Looks at every node's role within `ms` (in parallel). */
export async function roles(t: Topology, ms = 1_500): Promise<RoleState[]> {
  return Promise.all(
    t.nodes.map(async (n): Promise<RoleState> => {
      const r = await queryNode(n.dsn, 'SELECT pg_is_in_recovery() AS rec, (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS st', ms);
      if (!r.ok) return { node: n.name, up: false, primary: false, streaming: false, error: r.error.split('\n')[0] };
      const rec = r.rows[0]?.rec === true;
      return { node: n.name, up: true, primary: !rec, streaming: rec && r.rows[0]?.st === 'streaming' };
    }),
  );
}

export const describeRoles = (rs: readonly RoleState[]): string =>
  rs.map((s) => `${s.node}: ${!s.up ? `down (${s.error ?? '?'})` : s.primary ? 'primary' : s.streaming ? 'streaming standby' : 'standby, not streaming'}`).join('; ');

/**
 * Waits until exactly one node answers as primary and every other one streams, until `deadline`.
 * With manual failover nothing demotes a second primary, so two of them end the wait at once.
 */
export async function awaitOnePrimary(ctx: Ctx, deadline: number): Promise<{ ok: boolean; at: number; last: RoleState[] }> {
  const t = ctx.target.topology;
  let last: RoleState[] = [];
  for (;;) {
    last = await roles(t, 1_000);
    const prim = last.filter((s) => s.primary);
    if (prim.length === 1 && last.every((s) => s.primary || s.streaming)) return { ok: true, at: Date.now(), last };
    if (t.failover === 'manual' && prim.length > 1) return { ok: false, at: Date.now(), last };
    if (Date.now() >= deadline) return { ok: false, at: Date.now(), last };
    await sleep(POLL_MS, ctx.signal);
  }
}

/** What the report shows of one partition (`sections.hadr['TC-AF-004'].partitions[]`). */
export interface PartitionReport {
  groups: string;
  /** The primary before the cut, and which group it was in (minority: a smaller group than another). */
  primaryBefore: string;
  primaryInMinority: boolean;
  /** ms after the case began. */
  cutAt: number;
  healAt: number | null;
  /** Acknowledged writes per node from the cut to the end of the rollback. */
  acksByNode: Record<string, number>;
  /** Per node, ms after the cut: its first and last acknowledged write. */
  ackSpanByNode: Record<string, { first: number; last: number }>;
  /** Who answered as primary, as it changed during the window (ms after the cut). */
  primariesSeen: Array<{ at: number; primaries: string[] }>;
  /** Overlaps of two nodes' acknowledgements, ms relative to the cut. */
  overlaps: Array<{ nodes: [string, string]; fromMs: number; toMs: number; ms: number; ids: Record<string, string[]> }>;
  /** The cut-off primary's last acknowledged write after the cut (ms), when another node took over. */
  splitBrainDetectionMs: number | null;
  /** Heal → exactly one primary, every other node streaming. */
  rollbackMs: number | null;
  /** The ledgers (client writer and one probe per node), read back after the rollback. */
  ledger: Record<string, LedgerSummary>;
  broken: string[];
}

async function splitBrainExperiment(ctx: Ctx): Promise<void> {
  const t = ctx.target.topology;
  const sla = ctx.target.sla;
  requireActions(ctx, ['partition', 'heal']);
  const windowMs = ctx.target.splitWindowMs ?? (t.failover === 'automatic' ? 3 * sla.detectionMs : 5_000);
  const { exp, t0, phase, act, nodeOf } = beginExperiment(ctx);
  const report: PartitionReport[] = [];
  (exp as Experiment & { partitions?: PartitionReport[]; windowMs?: number }).partitions = report;
  (exp as Experiment & { windowMs?: number }).windowMs = windowMs;
  let cut = false;
  const writers: Writer[] = [];
  // Rollback, whatever happened: writers stopped, the partition healed.
  ctx.defer(async () => {
    await Promise.all(writers.map((w) => w.stop()));
    if (cut) {
      cut = false;
      const r = await act('heal');
      phase('rollback', r.ok ? 'partition healed' : describeFailure(r));
    }
  });

  const steadyDeadline = Date.now() + 15_000;
  const steady = await awaitOnePrimary(ctx, steadyDeadline);
  if (!steady.ok) return ctx.fail(`steady state not reached: not exactly one primary with every other node streaming (${describeRoles(steady.last)})`);
  const primary0 = (steady.last.find((s) => s.primary) as RoleState).node;
  const all = partitionsOf(t.nodes.map((n) => n.name), primary0);
  const plan = ctx.target.size === 'full' ? all : all.slice(0, CI_PARTITIONS);
  phase('steady state', `primary ${primary0}, ${t.nodes.length - 1} streaming standbys; ${plan.length} of ${all.length} partitions to try (${plan.map((g) => g.map((x) => x.join(',')).join('|')).join('; ')}), each cut for ${windowMs} ms`);
  ctx.metric('partitionsTried', 0);
  ctx.metric('partitionsPossible', all.length);

  const broken: string[] = [];
  let totals = { acked: 0, lost: 0, resurrected: 0, stale: 0, inDoubt: 0 };
  let maxOverlap = 0;
  for (const [k, groups] of plan.entries()) {
    const spec = groups.map((g) => g.join(',')).join('|');
    // Room for the window, the rollback and the read-back before the case deadline.
    if (ctx.remainingMs() < windowMs + 25_000) {
      broken.push(`only ${k} of ${plan.length} partitions tried before the case deadline`);
      break;
    }
    const before = await awaitOnePrimary(ctx, Date.now() + 15_000);
    if (!before.ok) {
      broken.push(`before partition ${spec}: not exactly one primary with every other node streaming (${describeRoles(before.last)})`);
      break;
    }
    const primaryBefore = (before.last.find((s) => s.primary) as RoleState).node;
    const biggest = Math.max(...groups.map((g) => g.length));
    const mine = groups.find((g) => g.includes(primaryBefore)) ?? [];
    const rep: PartitionReport = {
      groups: spec,
      primaryBefore,
      primaryInMinority: mine.length < biggest || groups.every((g) => g.length === 1),
      cutAt: 0,
      healAt: null,
      acksByNode: {},
      ackSpanByNode: {},
      primariesSeen: [],
      overlaps: [],
      splitBrainDetectionMs: null,
      rollbackMs: null,
      ledger: {},
      broken: [],
    };
    report.push(rep);
    ctx.metric('partitionsTried', k + 1);

    // One ledger per writer: the client writer and a probe per node straight to its own DSN.
    const names = ['client', ...t.nodes.map((n) => n.name)];
    const tables = names.map((_, i) => `split_p${k + 1}_w${i}`);
    for (const tb of tables) await createLedger(ctx.target.client, tb);
    // The probes' tables must exist on every node before the cut (a standby answers reads).
    await awaitReplayed(ctx, tables.at(-1) as string);
    const first = writers.length;
    writers.push(startWriter(ctx.target.client, tables[0] as string, { clients: ctx.target.writers, opTimeoutMs: 2_000, random: () => ctx.rng.next() }));
    t.nodes.forEach((n, i) => writers.push(startWriter(nodeTarget(ctx.target.client, n), tables[i + 1] as string, { clients: 1, opTimeoutMs: 2_000, random: () => ctx.rng.next() })));
    const ws = writers.slice(first);
    await sleep(500, ctx.signal);

    const r = await act('partition', { groups: spec });
    if (!r.ok) {
      await Promise.all(ws.map((w) => w.stop()));
      return ctx.fail([...broken, `partition ${spec} not injected: ${describeFailure(r)}`].join('; '));
    }
    cut = true;
    const tc = Date.now();
    rep.cutAt = tc - t0;
    phase('fault', `partition ${k + 1}/${plan.length}: ${groups.map((g) => g.join(', ')).join(' | ')} (primary ${primaryBefore}${rep.primaryInMinority ? ', cut off from a majority' : ''}); writers on every node's own DSN and through the client DSN for ${windowMs} ms`);
    let seen = '';
    while (Date.now() - tc < windowMs) {
      const prim = (await roles(t, 1_000)).filter((s) => s.primary).map((s) => s.node);
      if (prim.join(',') !== seen) {
        seen = prim.join(',');
        rep.primariesSeen.push({ at: Date.now() - tc, primaries: prim });
      }
      await sleep(Math.min(500, Math.max(0, windowMs - (Date.now() - tc))), ctx.signal);
    }
    const h = await act('heal');
    if (!h.ok) return ctx.fail([...broken, `could not heal partition ${spec}: ${describeFailure(h)}`].join('; '));
    cut = false;
    const th = Date.now();
    rep.healAt = th - t0;
    const back = await awaitOnePrimary(ctx, th + (t.failover === 'automatic' ? sla.rtoMs : 15_000));
    rep.rollbackMs = back.ok ? back.at - th : null;
    phase('rollback', back.ok ? `healed; one primary (${back.last.find((s) => s.primary)?.node}), every other node streaming after ${back.at - th} ms` : `healed, but ${describeRoles(back.last)}`);
    await sleep(300, ctx.signal);
    await Promise.all(ws.map((w) => w.stop()));

    // Observation: who acknowledged what after the cut, and what the ledgers hold now.
    const acks: Ack[] = [];
    // The server's port names the node when the topology's node ports are distinct; otherwise (nodes
    // on one port in separate hosts or namespaces) a probe's acks are its own node's, by its DSN.
    const distinctPorts = distinctNodePorts(t);
    ws.forEach((w, i) => {
      for (const e of w.entries) {
        if (e.outcome !== 'ack' || e.start < tc) continue;
        const node = i > 0 && !distinctPorts ? (names[i] as string) : nodeOf(e.port);
        acks.push({ writer: names[i] as string, id: e.id, node, start: e.start, end: e.end });
      }
    });
    for (const a of acks) {
      rep.acksByNode[a.node] = (rep.acksByNode[a.node] ?? 0) + 1;
      const s = rep.ackSpanByNode[a.node];
      if (!s) rep.ackSpanByNode[a.node] = { first: a.end - tc, last: a.end - tc };
      else {
        s.first = Math.min(s.first, a.end - tc);
        s.last = Math.max(s.last, a.end - tc);
      }
    }
    // Acks more than a second apart are separate windows (a primary that stops and later takes over again).
    const overlaps = ackOverlaps(ackWindows(acks, 1_000));
    rep.overlaps = overlaps.map((o) => ({ nodes: o.nodes, fromMs: o.from - tc, toMs: o.to - tc, ms: o.ms, ids: o.ids }));
    const others = Object.keys(rep.acksByNode).filter((n) => n !== primaryBefore);
    const tookOver = others.length > 0 || rep.primariesSeen.some((p) => p.primaries.some((n) => n !== primaryBefore));
    if (rep.primaryInMinority && tookOver && rep.ackSpanByNode[primaryBefore]) rep.splitBrainDetectionMs = (rep.ackSpanByNode[primaryBefore] as { last: number }).last;
    phase(
      'observation',
      `partition ${spec}: acknowledged after the cut by ${Object.entries(rep.acksByNode).map(([n, c]) => `${n} ${c}`).join(', ') || 'no node'}; primaries seen: ${rep.primariesSeen.map((p) => `+${p.at} ms ${p.primaries.join(',') || 'none'}`).join(', ')}${overlaps.length ? `; ${overlaps.length} overlapping windows` : ''}`,
    );

    const here: string[] = [];
    for (const o of overlaps) {
      maxOverlap = Math.max(maxOverlap, o.ms);
      here.push(
        `split brain in partition ${spec}: ${o.nodes[0]} and ${o.nodes[1]} both acknowledged writes from +${fmtS(o.from - tc)} to +${fmtS(o.to - tc)} after the cut (overlap ${o.ms} ms; ${o.nodes.map((n) => `${n}: ${(o.ids[n] ?? []).join(', ')}`).join('; ')})`,
      );
    }
    if (overlaps.length) here.push(`a manager that detects the split and fences the cut-off side within the split-brain detection SLA (${fmtS(sla.splitBrainMs)}) leaves no overlap`);
    if (rep.splitBrainDetectionMs !== null && rep.splitBrainDetectionMs > sla.splitBrainMs) {
      here.push(`partition ${spec}: the cut-off primary ${primaryBefore} kept acknowledging writes ${fmtS(rep.splitBrainDetectionMs)} after the cut while another node took over (split-brain detection SLA ${fmtS(sla.splitBrainMs)})`);
    }
    if (!back.ok) here.push(`after healing partition ${spec} the cluster did not return to one primary with every other node streaming (${describeRoles(back.last)})`);

    const verdicts: LedgerVerdict[] = [];
    for (const [i, w] of ws.entries()) {
      const tb = tables[i] as string;
      try {
        const v = await readBack(ctx.target.client, tb, w.entries);
        verdicts.push(v);
        rep.ledger[names[i] as string] = summarize(v);
        here.push(...ledgerBreaches(v, { ...sla, rpoWrites: 0 }, ` (partition ${spec}, writes ${i === 0 ? 'through the client DSN' : `to ${names[i]}'s own DSN`})`));
      } catch (e) {
        here.push(`partition ${spec}: the ledger of the writes ${i === 0 ? 'through the client DSN' : `to ${names[i]}`} could not be read back (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
      }
    }
    const sum = verdicts.reduce((a, v) => ({ acked: a.acked + v.acked, lost: a.lost + v.lost.length, resurrected: a.resurrected + v.resurrected.length, stale: a.stale + v.stale.length, inDoubt: a.inDoubt + v.inDoubt }), { acked: 0, lost: 0, resurrected: 0, stale: 0, inDoubt: 0 });
    totals = { acked: totals.acked + sum.acked, lost: totals.lost + sum.lost, resurrected: totals.resurrected + sum.resurrected, stale: totals.stale + sum.stale, inDoubt: totals.inDoubt + sum.inDoubt };
    if (verdicts[0]) phase('observation', `partition ${spec}, client writer ${describeLedger(verdicts[0], 'the primary')}`);
    rep.broken = here;
    broken.push(...here);
    // A cluster left with two primaries (or without one) cannot be partitioned again meaningfully.
    if (!back.ok) {
      const left = plan.length - k - 1;
      if (left) broken.push(`${left} further partition${left > 1 ? 's' : ''} not tried`);
      break;
    }
  }

  const entries: LedgerEntry[] = writers.flatMap((w) => [...w.entries]);
  exp.timeline = timeline(entries, t0, nodeOf);
  ctx.metric('maxOverlapMs', maxOverlap);
  ctx.metric('splitBrains', report.reduce((n, r) => n + r.overlaps.length, 0));
  const det = report.map((r) => r.splitBrainDetectionMs).filter((x): x is number => x !== null);
  ctx.metric('splitBrainDetectionMs', det.length ? Math.max(...det) : null);
  ctx.metric('ackedWrites', totals.acked);
  ctx.metric('lostAckedWrites', totals.lost);
  ctx.metric('resurrectedRows', totals.resurrected);
  ctx.metric('staleRows', totals.stale);
  ctx.metric('inDoubtWrites', totals.inDoubt);
  if (!report.length) return ctx.fail(broken.join('; ') || 'no partition was tried');
  if (broken.length) return ctx.fail(broken.join('; '));
}

/** Waits (up to 10 s) until every node that answers has `table` (created on the primary), so probes write to a table that exists. */
export async function awaitReplayed(ctx: Ctx, table: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  const q = ctx.target.client.qualify(table);
  const pending = new Set(ctx.target.topology.nodes.map((n) => n.name));
  while (pending.size && Date.now() < deadline) {
    for (const n of ctx.target.topology.nodes.filter((x) => pending.has(x.name))) {
      const c = await settle(nodeTarget(ctx.target.client, n).connect());
      if (!c.ok) continue;
      const r = await within(settle(c.value.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [q])), 1_000);
      if (!r.timedOut && r.value.ok && (r.value.value.rows[0] as { ok: boolean } | undefined)?.ok) pending.delete(n.name);
      await closeClient(c.value, 500);
    }
    if (pending.size) await sleep(100, ctx.signal);
  }
}

/** TC-AF-004: split-brain prevention over the partitions of the node set. */
export const splitBrainPrevention = defineCase<HaDrTarget>({
  id: 'TC-AF-004',
  title:
    'split-brain prevention: for each partition of the node set (a standby alone, the primary alone, every node apart, …) writers on every node and through the client DSN never see two nodes acknowledge writes at the same time, and after healing exactly one primary remains with every acknowledged write',
  priority: 'p0',
  area: 'failover',
  since: '0.1.0',
  spec: 'heliosdb-phase2-reliability-quick-reference.txt TC-AF-004 (split-brain detection < 5 s); heliosdb-test-framework-design.txt §4 (split brain with a witness)',
  destructive: true,
  // Several partitions, each up to 3 × the detection SLA plus the rollback, with automatic failover.
  timeoutMs: 600_000,
  run: splitBrainExperiment,
});
