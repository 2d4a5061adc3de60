import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Status, Suite } from './model.js';
import { applyExpectation } from './runner.js';
import { REPORT_SCHEMA_VERSION, countPriorities, isConformant, summarize, type CaseResult, type Report } from './report.js';
import { Redactor } from './redact.js';
import { createConsoleReporter } from './reporters/console.js';
import { suiteConsoleSection, writeReportFiles, type CliIO } from './cli.js';

/** A merge that cannot be made (exit 2, one line). */
export class MergeError extends Error {
  override readonly name = 'MergeError';
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const union = <T>(lists: T[][]): T[] => [...new Set(lists.flat())];

/** Suite sections of the parts, merged key by key: arrays concatenate, objects merge, else the first part's value. */
function mergeSections(parts: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [k, v] of Object.entries(part ?? {})) {
      const prev = out[k];
      if (prev === undefined) out[k] = v;
      else if (Array.isArray(prev) && Array.isArray(v)) out[k] = [...prev, ...v];
      else if (prev && v && typeof prev === 'object' && typeof v === 'object' && !Array.isArray(prev) && !Array.isArray(v)) {
        out[k] = mergeSections([prev as Record<string, unknown>, v as Record<string, unknown>]);
      }
    }
  }
  return out;
}

/**
 * Merges the JSON reports of one suite's shards (or of disjoint selections) into the report an
 * unsharded run would have written: results in catalog order, counts, per-priority counts and
 * the verdict recomputed from the results. Refuses reports of another suite, another suite
 * version, another schema or another seed, overlapping case IDs, and an incomplete or mixed
 * set of shards. A part that could not run makes the merge a could-not-run report.
 */
export function mergeReports(suite: Pick<Suite<any>, 'name' | 'version' | 'cases' | 'seedTier' | 'ecosystem' | 'shardBy' | 'mergeLoadShards'>, parts: Array<{ file: string; report: Report }>): Report {
  if (!parts.length) throw new MergeError('merge needs at least one JSON report');
  for (const { file, report: r } of parts) {
    if (!r || typeof r !== 'object' || !Array.isArray(r.results)) throw new MergeError(`${file} is not a conformance report`);
    if (r.schemaVersion !== REPORT_SCHEMA_VERSION) throw new MergeError(`${file} has report schema ${String(r.schemaVersion)}; this merge reads schema ${REPORT_SCHEMA_VERSION}`);
    if (r.suite !== suite.name) throw new MergeError(`${file} is a report of ${r.suite}, not of ${suite.name}`);
    if (r.suiteVersion !== suite.version) throw new MergeError(`${file} was written by ${r.suite} ${r.suiteVersion}; merge with the same version (this is ${suite.version})`);
  }
  const first = (parts[0] as { file: string; report: Report }).report;
  const seeds = new Set(parts.map((p) => p.report.seed));
  if (seeds.size > 1) throw new MergeError(`the reports ran with different seeds (${[...seeds].join(', ')}): give every shard the same --seed`);

  const sharded = parts.filter((p) => p.report.shard);
  if (sharded.length && sharded.length !== parts.length) throw new MergeError('some reports are shards and some are not: merge the shards of one run');
  if (sharded.length) {
    const count = first.shard?.count as number;
    const seen = new Map<number, string>();
    for (const { file, report: r } of parts) {
      const s = r.shard as { index: number; count: number };
      if (s.count !== count) throw new MergeError(`${file} is shard ${s.index}/${s.count}, the others are of ${count}`);
      if (!same(r.filters, first.filters)) throw new MergeError(`${file} was selected with other filters than ${parts[0]?.file}: the shards of one run use the same --only/--priority/--area`);
      const dup = seen.get(s.index);
      if (dup) throw new MergeError(`${file} and ${dup} are both shard ${s.index}/${count}`);
      seen.set(s.index, file);
    }
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
    if (missing.length) throw new MergeError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: the merge must cover the whole selection`);
  }

  const byLoad = suite.shardBy === 'load' && sharded.length > 0;
  if (byLoad) parts.sort((a, b) => (a.report.shard?.index ?? 0) - (b.report.shard?.index ?? 0));
  const loadMerged = byLoad ? mergeLoad(suite, parts) : undefined;
  if (!byLoad) {
    const owner = new Map<string, string>();
    for (const { file, report: r } of parts) {
      for (const res of r.results) {
        const other = owner.get(res.id);
        if (other) throw new MergeError(`${res.id} is in both ${other} and ${file}: the reports overlap`);
        owner.set(res.id, file);
      }
    }
  }

  const order = new Map(suite.cases.map((c, i) => [c.id, i]));
  const results: CaseResult[] = (loadMerged?.results ?? parts.flatMap((p) => p.report.results)).sort(
    (a, b) => (order.get(a.id) ?? Infinity) - (order.get(b.id) ?? Infinity) || a.id.localeCompare(b.id),
  );
  const failedPart = parts.find((p) => p.report.cannotRun);
  const interrupted = parts.some((p) => p.report.interrupted);
  const starts = parts.map((p) => Date.parse(p.report.startedAt));
  const ends = parts.map((p) => Date.parse(p.report.startedAt) + p.report.durationMs);
  // An entry is unmatched by the whole selection only when no part matched it.
  const unmatched = first.expectations.unmatched.filter((k) => parts.every((p) => p.report.expectations.unmatched.includes(k)));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    suite: first.suite,
    suiteVersion: first.suiteVersion,
    target: first.target,
    seed: first.seed,
    startedAt: new Date(Math.min(...starts)).toISOString(),
    durationMs: Math.max(0, Math.max(...ends) - Math.min(...starts)),
    conformant: !failedPart && isConformant(results, interrupted),
    cannotRun: failedPart ? { reason: `${failedPart.file}: ${failedPart.report.cannotRun?.reason ?? 'could not run'}` } : null,
    priorities: countPriorities(suite.cases, results),
    seedTier: suite.seedTier ?? null,
    ecosystem: suite.ecosystem ?? null,
    interrupted,
    summary: summarize(results),
    filters: sharded.length
      ? first.filters
      : {
          only: union(parts.map((p) => p.report.filters.only)),
          priorities: union(parts.map((p) => p.report.filters.priorities)),
          areas: union(parts.map((p) => p.report.filters.areas)),
        },
    shard: null,
    expectations: { file: first.expectations.file, unmatched },
    capabilities: union(parts.map((p) => p.report.capabilities)).sort(),
    results,
    sections: loadMerged?.sections ?? mergeSections(parts.map((p) => p.report.sections)),
  };
}

/** How bad an observed status is, for a case judged as the worst of its shards. */
const SEVERITY: Record<string, number> = { pass: 0, skip: 1, 'n/a': 2, fail: 3, error: 4 };

/**
 * Load shards: every shard ran the same cases. The suite judges the merged figures; a case it
 * does not judge (or a shard that did not run it to a pass or fail) takes the worst shard's
 * status. Each shard's expectations entry for the case is applied to the merged observation.
 */
function mergeLoad(suite: Pick<Suite<any>, 'mergeLoadShards'>, parts: Array<{ file: string; report: Report }>): { results: CaseResult[]; sections: Record<string, unknown> } {
  const ids = (r: Report): string => r.results.map((x) => x.id).join(',');
  const first = parts[0] as { file: string; report: Report };
  for (const p of parts) {
    if (ids(p.report) !== ids(first.report)) throw new MergeError(`${p.file} holds other cases (${ids(p.report) || 'none'}) than ${first.file} (${ids(first.report) || 'none'}): load shards of one run run the same cases`);
  }
  const merged = suite.mergeLoadShards?.(parts.map((p) => p.report)) ?? { verdicts: {}, sections: mergeSections(parts.map((p) => p.report.sections)) };
  const results = first.report.results.map((r0, i) => {
    const each = parts.map((p) => p.report.results[i] as CaseResult);
    const observed = (r: CaseResult): Status => r.observed ?? r.status;
    const worst = each.reduce((a, b) => ((SEVERITY[observed(b)] ?? 4) > (SEVERITY[observed(a)] ?? 4) ? b : a));
    const shardOfWorst = parts[each.indexOf(worst)]?.report.shard;
    const verdict = merged.verdicts[r0.id];
    // The merged figures decide only when every shard ran the case to a verdict of its own.
    const judged = verdict && each.every((r) => ['pass', 'fail'].includes(observed(r)) && !r.liveness);
    const status: Status = judged ? verdict.status : observed(worst);
    const message = judged ? verdict.message : worst.message === null ? null : `shard ${shardOfWorst?.index}/${shardOfWorst?.count}: ${worst.message}`;
    const final = worst.liveness ? worst.status : applyExpectation(status, r0.expectation);
    const out: CaseResult = {
      ...r0,
      status: final,
      durationMs: Math.max(...each.map((r) => r.durationMs)),
      message,
      metrics: judged && verdict.metrics ? verdict.metrics : { shards: each.map((r) => r.metrics) },
      log: each.flatMap((r, k) => (r.log ?? []).map((l) => `[shard ${k + 1}/${parts.length}] ${l}`)),
    };
    if (final !== status) out.observed = status;
    else delete out.observed;
    if (worst.liveness) out.liveness = worst.liveness;
    else delete out.liveness;
    return out;
  });
  return { results, sections: merged.sections };
}

/**
 * `<suite> merge r1.json r2.json … [--json out] [--junit out] [--html out]`: the merged verdict on
 * the console, the merged reports written, and the exit code an unsharded run would have had.
 */
export async function runMerge(suite: Suite<any>, argv: string[], io: CliIO): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const fail = (msg: string): number => {
    io.stderr.write(`${suite.bin} merge: ${msg}\n`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { json: { type: 'string' }, junit: { type: 'string' }, html: { type: 'string' }, 'no-color': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    return fail(`${(e as Error).message.replace(/\. To specify a positional.*$/s, '')} (usage: ${suite.bin} merge REPORT.json... [--json FILE] [--junit FILE] [--html FILE])`);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(`Usage: ${suite.bin} merge REPORT.json... [--json FILE] [--junit FILE] [--html FILE]\n\nMerges the JSON reports of --shard runs (same suite version and --seed, every shard once) into one\nreport and verdict. Exit codes as a run: 0 conformant, 1 not conformant, 2 cannot merge or a part could not run.\n`);
    return 0;
  }
  const parts: Array<{ file: string; report: Report }> = [];
  for (const file of parsed.positionals) {
    let text: string;
    try {
      text = await readFile(resolve(cwd, file), 'utf8');
    } catch (e) {
      return fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      parts.push({ file, report: JSON.parse(text) as Report });
    } catch {
      return fail(`${file} is not JSON`);
    }
  }
  let merged: Report;
  try {
    merged = mergeReports(suite, parts);
  } catch (e) {
    if (e instanceof MergeError) return fail(e.message);
    throw e;
  }
  // The parts were redacted when written; redact again in case one came from elsewhere.
  const redactor = new Redactor();
  if (merged.target.dsn) redactor.addDsn(merged.target.dsn);
  const safe = redactor.redactValue(merged);
  const red = (s: string): string => redactor.redact(s);
  io.stdout.write(red(`${suite.name} ${suite.version} — merged ${parts.length} report${parts.length > 1 ? 's' : ''} (${parts.map((p) => p.file).join(', ')}) — ${merged.results.length} cases, seed ${merged.seed}\n`));
  const isTTY = !!io.stdout.isTTY && !io.env.CI;
  const reporter = createConsoleReporter({ stdout: io.stdout, stderr: io.stderr, isTTY: false, color: isTTY && !v['no-color'] && !io.env.NO_COLOR, redact: red });
  if (safe.cannotRun) io.stderr.write(red(`${suite.bin} merge: ${safe.cannotRun.reason}\n`));
  else reporter.printSummary(safe, suiteConsoleSection(suite, safe));
  try {
    await writeReportFiles(suite, safe, { json: v.json, junit: v.junit, html: v.html }, red, io, cwd);
  } catch (e) {
    return fail(`could not write a report: ${(e as Error).message}`);
  }
  if (safe.cannotRun) return 2;
  return safe.conformant ? 0 : 1;
}
