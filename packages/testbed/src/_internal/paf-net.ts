/**
 * The private network of a pg_auto_failover cluster (see ../paf-cluster.ts): every member (the
 * monitor, each data node) runs in its own network namespace `hc-paf<K>-<member>` with one veth
 * (`eth0`, 10.237.K.i/24) plugged into a bridge `hcpaf<K>` in the root namespace, which holds
 * 10.237.K.254 — so the owner, the router and the suite reach every member over a local route, and
 * no packet to 10.237.K.x ever leaves through the default route.
 *
 * Why namespaces and not the per-link TCP proxies of pg-cluster/Patroni: pg_autoctl registers each
 * node's host:port with the monitor, and the monitor and the nodes then connect to each other
 * directly (health checks, node_active calls, replication); a proxy per link would need a rewrite
 * of what the monitor hands out. Here a partition is plain nftables: in each member's namespace, a
 * table `inet hcpart` drops every packet to or from the members of the other groups (never the
 * root namespace's 10.237.K.254: clients reach every member throughout). Root only.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from './proc.js';

/** One member's place on the cluster network. */
export interface PafNet {
  /** The /24's third octet (10.237.K.0/24); also in every name. */
  k: number;
  bridge: string;
  /** The root namespace's address on the bridge (what clients come from). */
  hostIp: string;
}

export const PAF_SUBNET = '10.237';

export const nsName = (k: number, member: string): string => `hc-paf${k}-${member}`;
export const vethName = (k: number, i: number): string => `hcpaf${k}v${i}`;

async function ip(args: string[], timeoutMs = 5000): Promise<string> {
  const r = await runCommand('ip', args, { timeoutMs });
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.output.trim().split('\n')[0]}`);
  return r.output;
}

/**
 * Claims a free 10.237.K.0/24: the bridge's name is the lock (`ip link add` fails when another
 * cluster holds it), and no existing route may cover the subnet.
 */
export async function createBridge(): Promise<PafNet> {
  const routes = (await runCommand('ip', ['-4', 'route', 'show'], { timeoutMs: 5000 })).output;
  const start = 1 + Math.floor(Math.random() * 200);
  for (let j = 0; j < 250; j++) {
    const k = ((start + j) % 250) + 1;
    if (routes.includes(`${PAF_SUBNET}.${k}.`)) continue;
    const bridge = `hcpaf${k}`;
    const r = await runCommand('ip', ['link', 'add', bridge, 'type', 'bridge'], { timeoutMs: 5000 });
    if (r.code !== 0) continue;
    const hostIp = `${PAF_SUBNET}.${k}.254`;
    await ip(['addr', 'add', `${hostIp}/24`, 'dev', bridge]);
    await ip(['link', 'set', bridge, 'up']);
    return { k, bridge, hostIp };
  }
  throw new Error(`no free ${PAF_SUBNET}.K.0/24 subnet for the cluster network`);
}

/** Creates member `i`'s namespace with 10.237.K.i on eth0 (bridged) and loopback up; returns its address. */
export async function addMember(net: PafNet, member: string, i: number): Promise<{ ns: string; ip: string }> {
  const ns = nsName(net.k, member);
  const veth = vethName(net.k, i);
  const addr = `${PAF_SUBNET}.${net.k}.${i}`;
  await ip(['netns', 'add', ns]);
  await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await ip(['link', 'set', veth, 'master', net.bridge, 'up']);
  await ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  return { ns, ip: addr };
}

/** PIDs of every process in a namespace (none when it is gone). */
export async function nsPids(ns: string): Promise<number[]> {
  const r = await runCommand('ip', ['netns', 'pids', ns], { timeoutMs: 5000 });
  if (r.code !== 0) return [];
  return r.output.split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number);
}

/** The root-namespace links of the cluster: the bridge and each member's veth end. */
export function netLinks(net: PafNet, members: number): string[] {
  return [net.bridge, ...Array.from({ length: members }, (_, i) => vethName(net.k, i + 1))];
}

/**
 * Deletes the namespaces (after their processes are gone), the veths and the bridge; idempotent.
 * The veths explicitly: the kernel frees a deleted namespace (and the veth pair in it) lazily.
 */
export async function destroyNet(net: PafNet, namespaces: string[]): Promise<void> {
  for (const ns of namespaces) await runCommand('ip', ['netns', 'delete', ns], { timeoutMs: 5000 }).catch(() => undefined);
  for (const link of netLinks(net, namespaces.length)) await runCommand('ip', ['link', 'delete', link], { timeoutMs: 5000 }).catch(() => undefined);
}

/** One member as the partition logic sees it. */
export interface NetMember {
  name: string;
  ns: string;
  ip: string;
}

function partitionFile(dir: string): string {
  return path.join(dir, 'partition.json');
}

/** The partition in force (groups of member names), or undefined. */
export function currentPartition(dir: string): string[][] | undefined {
  try {
    return JSON.parse(readFileSync(partitionFile(dir), 'utf8')) as string[][];
  } catch {
    return undefined;
  }
}

async function nft(ns: string, script: string): Promise<void> {
  const r = await runCommand('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { timeoutMs: 5000, input: script });
  if (r.code !== 0) throw new Error(`nft in ${ns}: ${r.output.trim().split('\n')[0]}`);
}

// `table` first: deleting a table that does not exist fails; declaring it first makes both idempotent.
const RESET = 'table inet hcpart\ndelete table inet hcpart\n';

export const PAF_GROUPS_SYNTAX =
  "member names (monitor, n1, n2), comma-separated within a group, groups separated by |; two members reach each other only when a group holds both, and a member may be in several groups: 'n1|n2' cuts every member apart, 'n1,monitor|n2,monitor' cuts only the link n1-n2";

/**
 * Parses GROUPS. Unlike pg-cluster's partitions, groups may overlap: that is how one link alone is
 * cut while both ends still reach the monitor (the witness). A member not named is alone.
 */
export function parsePafGroups(spec: string, names: string[]): string[][] {
  if (spec.trim() === '') throw new Error(`no groups given: ${PAF_GROUPS_SYNTAX}`);
  const groups = spec.split('|').map((g) => g.split(',').map((x) => x.trim()).filter(Boolean));
  for (const g of groups) {
    if (!g.length) throw new Error(`empty group in "${spec}": ${PAF_GROUPS_SYNTAX}`);
    for (const n of g) if (!names.includes(n)) throw new Error(`unknown member "${n}" in "${spec}" (members: ${names.join(', ')})`);
    if (new Set(g).size !== g.length) throw new Error(`a member is named twice in group "${g.join(',')}"`);
  }
  return groups;
}

/**
 * Cuts every path between two members that share no group (a member not named shares none);
 * replaces any earlier partition. Both directions are dropped in each member's own namespace.
 */
export async function applyPartition(dir: string, members: NetMember[], groups: string[][]): Promise<string> {
  const named = new Set(groups.flat());
  const all = [...groups, ...members.filter((m) => !named.has(m.name)).map((m) => [m.name])];
  const reach = (a: string, b: string): boolean => all.some((g) => g.includes(a) && g.includes(b));
  const cut: string[] = [];
  await Promise.all(
    members.map(async (m) => {
      const others = members.filter((o) => o !== m && !reach(m.name, o.name));
      for (const o of others) if (m.name < o.name) cut.push(`${m.name}-${o.name}`);
      const ips = others.map((o) => o.ip);
      const rules = ips.length
        ? `table inet hcpart {\n  chain input { type filter hook input priority 0; policy accept; ip saddr { ${ips.join(', ')} } drop; }\n  chain output { type filter hook output priority 0; policy accept; ip daddr { ${ips.join(', ')} } drop; }\n}\n`
        : '';
      await nft(m.ns, RESET + rules);
    }),
  );
  writeFileSync(partitionFile(dir), JSON.stringify(all) + '\n', { mode: 0o600 });
  return `partitioned: ${all.map((g) => g.join(',')).join(' | ')} (links cut: ${cut.sort().join(', ') || 'none'})`;
}

/** Removes every partition rule. */
export async function healPartition(dir: string, members: NetMember[]): Promise<string> {
  const was = currentPartition(dir);
  await Promise.all(members.map((m) => nft(m.ns, RESET)));
  rmSync(partitionFile(dir), { force: true });
  return was ? `healed (was ${was.map((g) => g.join(',')).join(' | ')})` : 'healed (no partition was in force)';
}
