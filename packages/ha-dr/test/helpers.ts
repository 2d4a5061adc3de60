// What every ha-dr server test does: run the built CLI against a topology file and read its JSON
// report, and make a mutant copy of a cluster's topology (some actions replaced: a broken cluster
// the suite must catch).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Report } from '@helios-conformance/core';
import { runCacheDir, runCli } from '@helios-conformance/suite-kit';

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
