// The topology file: which nodes make the cluster, how clients reach it, and the command lines the
// suite may run to inject a fault or heal it. Validated by hand so every mistake is one line naming
// the key (the same rules as schemas/topology.schema.json, which editors use).
import { readFile } from 'node:fs/promises';
import { CannotRunError } from '@helios-conformance/core';

/** Everything the suite may ask the cluster to do, with the placeholders each command line may use. */
export const ACTIONS = {
  kill: ['node'],
  start: ['node'],
  stop: ['node'],
  pause: ['node'],
  resume: ['node'],
  promote: ['node'],
  'who-is-primary': [],
  partition: ['groups'],
  heal: [],
  backup: ['kind', 'repo'],
  'verify-backup': [],
  restore: ['target', 'repo'],
  'drop-restore': ['dsn'],
  'corrupt-backup': [],
  'corrupt-data': ['node', 'table'],
  'skew-clock': ['node', 'seconds'],
  'fill-disk': ['node'],
  'free-disk': ['node'],
  'wal-archived': ['repo', 'segment'],
} as const satisfies Record<string, readonly string[]>;

export type ActionName = keyof typeof ACTIONS;

/** One database node. */
export interface TopologyNode {
  name: string;
  /** How the suite reaches this node directly (reads, identity, lag). */
  dsn: string;
}

/**
 * A witness: a member that votes on failover but holds no data (pg_auto_failover's monitor, a
 * quorum device). Never a data node: no case reads, writes or counts it as a primary; partition
 * groups may name it.
 */
export interface TopologyWitness {
  name: string;
  /** Informational (the suite never connects to it); may be absent. */
  dsn?: string;
}

/** A cluster as the suite sees it. */
export interface Topology {
  name: string;
  /** `postgres` (PostgreSQL wire) or `mysql` (MySQL / MariaDB wire, e.g. a Galera cluster): every DSN must be of it. */
  family: 'postgres' | 'mysql';
  /** What applications use: a proxy, a VIP, a multi-host DSN the driver follows. The writer goes through it. */
  clientDsn: string;
  /** The data nodes (every `nodes[]` entry without `"role": "witness"`). */
  nodes: TopologyNode[];
  /** The `nodes[]` entries with `"role": "witness"` (none by default). */
  witnesses: TopologyWitness[];
  /** How commits are replicated, as the cluster's owner states it (shown; verdicts come from the ledger). */
  replication?: 'async' | 'sync';
  /**
   * `manual`: after the primary is lost, the suite runs `promote` on the most advanced standby (an
   * operator or a script would); `automatic`: the cluster elects a new primary itself (Patroni,
   * pg_auto_failover) and the suite only watches `who-is-primary`. Default `manual`.
   */
  failover: 'manual' | 'automatic';
  /**
   * Backup repositories, each one a region (TC-BR-003): the values `{repo}` takes in `backup`,
   * `restore` and `wal-archived`. Absent: one repository, the default (`{repo}` is then empty).
   */
  repos?: string[];
  actions: Partial<Record<ActionName, string>>;
  /** Deadline of one action command (default 30 000 ms). */
  actionTimeoutMs: number;
  /**
   * Each node's port as its own server reports it (`inet_server_port()`, `@@port`), learned when a
   * run opens ({@link learnServerPorts}); never read from the file. The ledger names the node that
   * took a write by that port, which is the DSN's port only when nothing sits between the suite and
   * the node: behind a proxy, a load balancer or a port mapping the two differ.
   */
  serverPorts?: Record<string, number>;
  /** Where the file was read from (for messages). */
  source: string;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Checks a parsed topology document; every problem is a CannotRunError naming the key. */
export function parseTopology(doc: unknown, source: string): Topology {
  const bad = (what: string): never => {
    throw new CannotRunError(`topology ${source}: ${what}`);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return bad('must be a JSON object');
  const d = doc as Record<string, unknown>;
  const known = ['$schema', 'name', 'family', 'clientDsn', 'nodes', 'replication', 'failover', 'repos', 'actions', 'actionTimeoutMs'];
  for (const k of Object.keys(d)) if (!known.includes(k)) bad(`unknown key "${k}" (known: ${known.slice(1).join(', ')})`);
  if (typeof d.name !== 'string' || !d.name) bad('"name" must be a non-empty string');
  if (d.family !== 'postgres' && d.family !== 'mysql') bad(`"family" must be "postgres" or "mysql", not ${JSON.stringify(d.family)}`);
  const family = d.family as 'postgres' | 'mysql';
  const scheme = family === 'postgres' ? /^postgres(ql)?:\/\// : /^(mysql|mariadb):\/\//;
  const schemeName = family === 'postgres' ? 'a postgres://' : 'a mysql:// (or mariadb://)';
  if (typeof d.clientDsn !== 'string' || !scheme.test(d.clientDsn)) bad(`"clientDsn" must be ${schemeName} DSN (family ${family})`);
  if (!Array.isArray(d.nodes)) bad('"nodes" must list at least two nodes');
  const nodes: TopologyNode[] = [];
  const witnesses: TopologyWitness[] = [];
  (d.nodes as unknown[]).forEach((n, i) => {
    const o = (typeof n === 'object' && n !== null ? n : {}) as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'name' && k !== 'dsn' && k !== 'role') bad(`nodes[${i}]: unknown key "${k}"`);
    if (typeof o.name !== 'string' || !NAME.test(o.name)) bad(`nodes[${i}].name must be 1-64 characters of A-Z a-z 0-9 _ . -`);
    if (o.role !== undefined && o.role !== 'data' && o.role !== 'witness') bad(`nodes[${i}].role must be "data" (default) or "witness"`);
    if (o.role === 'witness') {
      if (o.dsn !== undefined && typeof o.dsn !== 'string') bad(`nodes[${i}].dsn must be a string`);
      witnesses.push({ name: o.name as string, ...(o.dsn !== undefined ? { dsn: o.dsn as string } : {}) });
      return;
    }
    if (typeof o.dsn !== 'string' || !scheme.test(o.dsn)) bad(`nodes[${i}].dsn must be ${schemeName} DSN (family ${family})`);
    nodes.push({ name: o.name as string, dsn: o.dsn as string });
  });
  if (nodes.length < 2) bad(`"nodes" must list at least two nodes${witnesses.length ? ' holding data (a witness is not one)' : ''}`);
  const names = new Set([...nodes, ...witnesses].map((n) => n.name));
  if (names.size !== nodes.length + witnesses.length) bad('node names must be unique');
  if (d.replication !== undefined && d.replication !== 'async' && d.replication !== 'sync') bad('"replication" must be "async" or "sync"');
  if (d.failover !== undefined && d.failover !== 'manual' && d.failover !== 'automatic') bad('"failover" must be "manual" or "automatic"');
  if (typeof d.actions !== 'object' || d.actions === null || Array.isArray(d.actions)) bad('"actions" must be an object of command lines');
  const actions: Partial<Record<ActionName, string>> = {};
  for (const [k, v] of Object.entries(d.actions as Record<string, unknown>)) {
    if (!(k in ACTIONS)) bad(`actions: unknown action "${k}" (known: ${Object.keys(ACTIONS).join(', ')})`);
    if (typeof v !== 'string' || !v.trim()) bad(`actions.${k} must be a non-empty command line`);
    const allowed: readonly string[] = ACTIONS[k as ActionName];
    for (const m of (v as string).matchAll(/\{([a-z]+)\}/g)) {
      if (!allowed.includes(m[1] as string)) bad(`actions.${k}: unknown placeholder {${m[1]}} (this action has ${allowed.length ? allowed.map((p) => `{${p}}`).join(', ') : 'none'})`);
    }
    actions[k as ActionName] = v as string;
  }
  if (d.repos !== undefined) {
    if (!Array.isArray(d.repos) || !d.repos.length || d.repos.some((r) => typeof r !== 'string' || !NAME.test(r))) bad('"repos" must list backup repository names (1-64 characters of A-Z a-z 0-9 _ . -)');
    if (new Set(d.repos as string[]).size !== (d.repos as string[]).length) bad('repository names in "repos" must be unique');
    // Several repositories are only reachable one by one through {repo}.
    if ((d.repos as string[]).length > 1) for (const a of ['backup', 'restore'] as const) if (actions[a] !== undefined && !actions[a].includes('{repo}')) bad(`actions.${a} must use {repo}: "repos" lists ${(d.repos as string[]).length} repositories`);
  }
  if (d.actionTimeoutMs !== undefined && (typeof d.actionTimeoutMs !== 'number' || !Number.isInteger(d.actionTimeoutMs) || d.actionTimeoutMs < 100 || d.actionTimeoutMs > 3_600_000)) {
    bad('"actionTimeoutMs" must be a whole number of milliseconds from 100 to 3600000');
  }
  return {
    name: d.name as string,
    family,
    clientDsn: d.clientDsn as string,
    nodes,
    witnesses,
    ...(d.replication ? { replication: d.replication as 'async' | 'sync' } : {}),
    failover: (d.failover as 'manual' | 'automatic' | undefined) ?? 'manual',
    ...(d.repos ? { repos: [...(d.repos as string[])] } : {}),
    actions,
    actionTimeoutMs: (d.actionTimeoutMs as number | undefined) ?? 30_000,
    source,
  };
}

/** Reads and checks a topology file. */
export async function loadTopology(file: string): Promise<Topology> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CannotRunError(`cannot read the topology file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CannotRunError(`topology ${file} is not JSON: ${(e as Error).message.replace(/\s+/g, ' ')}`);
  }
  return parseTopology(doc, file);
}

/** A node's port as its server reports it: learned when the run opened, else its DSN's (3306 / 5432 when absent). */
export function nodePort(t: Topology, n: TopologyNode): number {
  return t.serverPorts?.[n.name] ?? Number(new URL(n.dsn).port || (t.family === 'mysql' ? 3306 : 5432));
}

/** The node whose server reports `port` (see {@link Topology.serverPorts}). */
export function nodeByPort(t: Topology, port: number): TopologyNode | undefined {
  return t.nodes.find((n) => nodePort(t, n) === port);
}

/** Whether no two nodes report the same port (nodes on one port in separate hosts or namespaces cannot be told apart by it). */
export function distinctNodePorts(t: Topology): boolean {
  return new Set(t.nodes.map((n) => nodePort(t, n))).size === t.nodes.length;
}
