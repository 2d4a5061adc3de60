// What every ha-dr server test does: run the built CLI against a topology file and read its JSON
// report, make a mutant copy of a cluster's topology (some actions replaced: a broken cluster the
// suite must catch), or a copy whose every DSN goes through a perturbation proxy (issue 19: a hop
// that only delays and re-chunks must not change a verdict).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Report } from '@helios-conformance/core';
import { runCacheDir, runCli, startPerturbProxy, type PerturbProxy } from '@helios-conformance/suite-kit';

export interface Judged {
  report: Report;
  stdout: string;
  code: number | null;
  /** Wall time of the CLI run. */
  ms: number;
  /** The HTML report, when `html` was asked for. */
  htmlPath?: string;
}

/** Runs the suite on `topologyPath` (destructive allowed, seed 7) and reads its JSON report. */
export async function judge(topologyPath: string, extra: string[] = [], o: { html?: boolean } = {}): Promise<Judged> {
  const dir = mkdtempSync(path.join(runCacheDir(), 'ha-dr-'));
  const json = path.join(dir, 'r.json');
  const htmlPath = o.html ? path.join(dir, 'r.html') : undefined;
  const t0 = Date.now();
  const r = await runCli(['--topology', topologyPath, '--allow-destructive', '--json', json, '--seed', '7', ...(htmlPath ? ['--html', htmlPath] : []), ...extra], { timeoutMs: 240_000 });
  expect(r.stderr, r.stdout + r.stderr).not.toMatch(/Error:|TypeError/);
  return { report: JSON.parse(readFileSync(json, 'utf8')) as Report, stdout: r.stdout, code: r.code, ms: Date.now() - t0, htmlPath };
}

export const result = (r: Report, id: string): Report['results'][number] | undefined => r.results.find((x) => x.id === id);

/** A copy of the cluster's topology file with some actions replaced. */
export function mutate(c: { topologyPath: string }, actions: Record<string, string>): string {
  const doc = JSON.parse(readFileSync(c.topologyPath, 'utf8')) as { name: string; actions: Record<string, string> };
  doc.name = `${doc.name} — MUTANT: ${Object.keys(actions).join(', ')} replaced`;
  Object.assign(doc.actions, actions);
  const file = path.join(mkdtempSync(path.join(runCacheDir(), 'ha-dr-mutant-')), 'topology.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/** A cluster's topology with every DSN the suite connects to (client and each node) behind a perturbation proxy. */
export interface Perturbed {
  topologyPath: string;
  /** `client` (in front of the client DSN: the router) and one per node name. */
  proxies: Record<string, PerturbProxy>;
  close(): Promise<void>;
}

/**
 * Starts one perturbation proxy in front of the client DSN and one in front of each node's DSN
 * (`nodeDelayMs` for the nodes' ones, default `maxDelayMs`) and writes a copy of the topology that
 * uses them. The actions are unchanged: they act on the cluster itself, not through a connection of
 * the suite's.
 */
export async function perturbTopology(c: { topologyPath: string }, o: { seed: number; maxDelayMs: number; nodeDelayMs?: number }): Promise<Perturbed> {
  const doc = JSON.parse(readFileSync(c.topologyPath, 'utf8')) as { name: string; clientDsn: string; nodes: Array<{ name: string; dsn?: string }> };
  const proxies: Record<string, PerturbProxy> = {};
  const via = async (key: string, dsn: string, maxDelayMs: number): Promise<string> => {
    const u = new URL(dsn);
    const p = await startPerturbProxy({ upstream: { host: u.hostname, port: Number(u.port) }, seed: o.seed, maxDelayMs, split: true });
    proxies[key] = p;
    return p.dsnVia(dsn);
  };
  try {
    doc.clientDsn = await via('client', doc.clientDsn, o.maxDelayMs);
    for (const n of doc.nodes) if (n.dsn) n.dsn = await via(n.name, n.dsn, o.nodeDelayMs ?? o.maxDelayMs);
  } catch (e) {
    await Promise.all(Object.values(proxies).map((p) => p.close()));
    throw e;
  }
  doc.name = `${doc.name} — through perturbation proxies (seed ${o.seed}, up to ${o.maxDelayMs} ms per chunk${o.nodeDelayMs !== undefined ? `, ${o.nodeDelayMs} ms to the nodes` : ''})`;
  const topologyPath = path.join(mkdtempSync(path.join(runCacheDir(), 'ha-dr-perturb-')), 'topology.json');
  writeFileSync(topologyPath, JSON.stringify(doc), { mode: 0o600 });
  return { topologyPath, proxies, close: async () => void (await Promise.all(Object.values(proxies).map((p) => p.close()))) };
}

type Result = Report['results'][number];

/**
 * The figures that must not move with one more hop: the status and the ledger's integrity counts.
 * Timings (RTO, detection, election, redirect, reintegration, failback) and how many writes were
 * acknowledged or in doubt legitimately move; they are judged against the SLA, not compared.
 */
export const EXACT_METRICS = ['lostAckedWrites', 'resurrectedRows', 'staleRows', 'phantomWrites'] as const;

/** Every case of `ids` whose status or exact figures differ between two reports, with both messages. */
export function differences(direct: Report, through: Report, ids: readonly string[]): string[] {
  const show = (r: Result | undefined): string => (r ? `${r.status}${r.message ? ` (${r.message})` : ''}` : 'not run');
  const out: string[] = [];
  for (const id of ids) {
    const a = result(direct, id);
    const b = result(through, id);
    if (!a || !b || a.status !== b.status) {
      out.push(`${id}: directly ${show(a)}; through the proxy ${show(b)}`);
      continue;
    }
    const ma = (a.metrics ?? {}) as Record<string, unknown>;
    const mb = (b.metrics ?? {}) as Record<string, unknown>;
    for (const k of EXACT_METRICS) if (ma[k] !== mb[k]) out.push(`${id}: ${k} directly ${String(ma[k])}; through the proxy ${String(mb[k])}`);
  }
  return out;
}

/** What one run through perturbation proxies gave: the CLI's report and what each proxy did. */
export interface PerturbedRun extends Judged {
  stats: Record<string, ReturnType<PerturbProxy['stats']>>;
}

/** Runs the suite (see {@link judge}) on a copy of the cluster's topology whose every DSN goes through a perturbation proxy. */
export async function judgeThroughProxies(c: { topologyPath: string }, o: { seed: number; maxDelayMs: number; nodeDelayMs?: number }, extra: string[]): Promise<PerturbedRun> {
  const p = await perturbTopology(c, o);
  try {
    const r = await judge(p.topologyPath, extra);
    return { ...r, stats: Object.fromEntries(Object.entries(p.proxies).map(([k, x]) => [k, x.stats()])) };
  } finally {
    await p.close();
  }
}
