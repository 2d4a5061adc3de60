// How the vector sections of a report are drawn: a compact console table, and HTML with inline
// SVG charts (recall vs QPS, latency percentiles, build time) and the recall tables per metric
// and per selectivity.
import type { Report } from '@helios-conformance/core';
import { groupedBarChart, horizontalBarChart, recallQpsChart } from './_internal/charts.js';

/** Label of every figure from a local stand-in endpoint. */
export const SIMULATED_LABEL = 'contract-tested, not verified against Pinecone';

interface RecallRow { metric: string; k: number; recallById: number; recallTieSafe: number; plan?: { path: string; detail?: string }; params?: { efSearch?: number; probes?: number; [k: string]: unknown }; qps?: number }
interface PathRow { path: string; recallTieSafe: number; recallById: number; plan: { path: string; detail?: string }; qps: number }
interface FilteredRow { selectivity: string; kind: string; filter: string; paths: PathRow[]; note?: string; judgedPath?: string }
interface SweepPoint { efSearch: number; recall: number; qps: number; p50: number; p95?: number; p99?: number }
interface LatencyRow { concurrency: number; p50: number; p95: number; p99: number; qps: number; n: number; plan?: { path: string } }

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const f3 = (x: unknown): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '—');

function sectionsOf(report: Report): {
  recall: Record<string, RecallRow>;
  filtered: Record<string, FilteredRow>;
  sweep: Record<string, { points: SweepPoint[]; metric: string; k: number }>;
  latency: Record<string, LatencyRow>;
  build: Record<string, { records: number; dim: number; buildMs: number | null; loadMs: number; index?: unknown }>;
  endpoint?: { kind?: string; simulated?: boolean; size?: string };
} {
  const s = report.sections as Record<string, any>;
  return { recall: s.recall ?? {}, filtered: s.filtered ?? {}, sweep: s.sweep ?? {}, latency: s.latency ?? {}, build: s.build ?? {}, endpoint: s.endpoint };
}

/** Compact console table: recall per metric and k, filtered recall per selectivity, latency. */
export function renderVectorConsole(report: Report): string {
  const s = sectionsOf(report);
  const lines: string[] = [];
  if (s.endpoint?.simulated) lines.push(`NOTE: ${SIMULATED_LABEL}: every figure below comes from a local simulation.`);
  const rec = Object.values(s.recall);
  if (rec.length) {
    lines.push('recall            by-id  tie-safe  plan   params');
    for (const r of rec) lines.push(`  ${`${r.metric}@${r.k}`.padEnd(16)}${f3(r.recallById).padStart(5)}  ${f3(r.recallTieSafe).padStart(8)}  ${(r.plan?.path ?? '?').padEnd(6)} ${r.params?.efSearch !== undefined ? `ef_search=${r.params.efSearch}` : r.params?.probes !== undefined ? `probes=${r.params.probes}` : ''}`);
  }
  const fil = Object.entries(s.filtered);
  if (fil.length) {
    lines.push('filtered recall@10 (tie-safe): defaults[plan] / planner+iterative[plan] / forced index / forced index+iterative');
    for (const [key, r] of fil) {
      const byPath = (p: string): PathRow | undefined => r.paths.find((x) => x.path === p);
      const pl = byPath('planner');
      const pi = byPath('planner+iterative');
      lines.push(`  ${key.padEnd(13)} ${f3(pl?.recallTieSafe)}[${pl?.plan.path ?? '?'}] / ${f3(pi?.recallTieSafe)}[${pi?.plan.path ?? '-'}] / ${f3(byPath('forced-index')?.recallTieSafe)} / ${f3(byPath('iterative-scan')?.recallTieSafe)}   ${r.filter}`);
    }
  }
  for (const l of Object.values(s.latency)) lines.push(`latency c=${l.concurrency}: p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, ${l.qps} QPS (${l.n} queries, closed loop)`);
  for (const [k, b] of Object.entries(s.build)) if (b && typeof b === 'object' && 'records' in b) lines.push(`build ${k}: ${b.records} × ${b.dim} loaded in ${b.loadMs} ms, index in ${b.buildMs ?? 'n/a'} ms`);
  return lines.join('\n');
}

function sweepChart(key: string, points: readonly SweepPoint[]): string {
  return recallQpsChart(
    points.map((p) => ({ label: `ef ${p.efSearch}`, recall: p.recall, qps: p.qps, title: `ef_search ${p.efSearch}: recall ${f3(p.recall)}, ${p.qps} QPS, p50 ${p.p50} ms` })),
    { xLabel: 'recall@10 (tie-safe)', ariaLabel: `recall versus QPS (${key})` },
  );
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** p50/p95/p99 per configuration: the latency runs (per concurrency) and each sweep point (per ef_search). */
function latencyChart(s: ReturnType<typeof sectionsOf>): string {
  const groups = [
    ...Object.values(s.latency).map((l) => ({ label: `c=${l.concurrency}${(l as { efSearch?: number }).efSearch !== undefined ? ` ef ${(l as { efSearch?: number }).efSearch}` : ''}`, values: [num(l.p50), num(l.p95), num(l.p99)] })),
    ...Object.values(s.sweep).flatMap((sw) => sw.points.map((p) => ({ label: `ef ${p.efSearch}`, values: [num(p.p50), num(p.p95), num(p.p99)] }))),
  ];
  return groupedBarChart(groups, ['p50', 'p95', 'p99'], { yLabel: 'latency (ms)', ariaLabel: 'latency percentiles' });
}

/** Load and index build time per dataset. */
function buildChart(s: ReturnType<typeof sectionsOf>): string {
  const rows = Object.entries(s.build)
    .filter(([, b]) => b && typeof b === 'object' && 'records' in b)
    .map(([key, b]) => ({ label: key, sub: `${b.records} × ${b.dim}`, values: [num(b.loadMs), num(b.buildMs)] }));
  return horizontalBarChart(rows, ['load', 'index build'], { unit: 'ms', ariaLabel: 'build time' });
}

/** `ef_search=40, forced index, iterative scan off`: the search parameters in words (a JSON blob does not wrap). */
function paramsText(p: Record<string, unknown> | undefined): string {
  if (!p) return '';
  return Object.entries(p)
    .map(([k, v]) => (k === 'efSearch' ? `ef_search=${String(v)}` : k === 'forceIndex' ? (v ? 'forced index' : 'planner') : k === 'iterativeScan' ? `iterative scan ${String(v)}` : `${k}=${String(v)}`))
    .join(', ');
}

/** HTML for the report's suite slot. */
export function renderVectorHtml(report: Report): string {
  const s = sectionsOf(report);
  const out: string[] = [];
  if (s.endpoint?.simulated) out.push(`<p class="warning"><strong>${esc(SIMULATED_LABEL)}</strong>: the endpoint was a local simulation; no figure here was measured on Pinecone.</p>`);
  for (const [key, sw] of Object.entries(s.sweep)) out.push(`<h3>Recall vs QPS (${esc(key)}, ef_search sweep)</h3>${sweepChart(key, sw.points)}`);
  const lat = latencyChart(s);
  if (lat) out.push(`<h3>Latency percentiles</h3>${lat}<p><small>Per configuration: c=N is the latency run with N sessions; ef N is a sweep point (one session).</small></p>`);
  const build = buildChart(s);
  if (build) out.push(`<h3>Build time</h3>${build}`);
  const rec = Object.values(s.recall);
  if (rec.length) {
    out.push('<h3>Recall@k</h3><table><thead><tr><th>metric</th><th>k</th><th>recall by ID</th><th>recall tie-safe</th><th>plan</th><th>params</th><th>QPS</th></tr></thead><tbody>');
    for (const r of rec) out.push(`<tr><td>${esc(r.metric)}</td><td>${esc(r.k)}</td><td>${f3(r.recallById)}</td><td>${f3(r.recallTieSafe)}</td><td title="${esc(r.plan?.detail ?? '')}">${esc(r.plan?.path ?? '?')}</td><td>${esc(paramsText(r.params))}</td><td>${esc(r.qps ?? '')}</td></tr>`);
    out.push('</tbody></table>');
  }
  const fil = Object.entries(s.filtered);
  if (fil.length) {
    out.push('<h3>Filtered recall@10 per selectivity</h3><table><thead><tr><th>case</th><th>filter</th><th>path</th><th>plan</th><th>recall tie-safe</th><th>recall by ID</th><th>QPS</th></tr></thead><tbody>');
    for (const [key, r] of fil) {
      r.paths.forEach((p, i) => {
        out.push(`<tr>${i === 0 ? `<td rowspan="${r.paths.length}">${esc(key)}</td><td rowspan="${r.paths.length}">${esc(r.filter)}${r.note ? `<br><small>${esc(r.note)}</small>` : ''}</td>` : ''}<td>${esc(p.path)}${r.judgedPath === p.path ? ' (judged)' : ''}</td><td title="${esc(p.plan.detail ?? '')}">${esc(p.plan.path)}</td><td>${f3(p.recallTieSafe)}</td><td>${f3(p.recallById)}</td><td>${esc(p.qps)}</td></tr>`);
      });
    }
    out.push('</tbody></table>');
  }
  const latRows = Object.values(s.latency);
  if (latRows.length) {
    out.push('<h3>Latency</h3><table><thead><tr><th>concurrency</th><th>queries</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>QPS</th></tr></thead><tbody>');
    for (const l of latRows) out.push(`<tr><td>${esc(l.concurrency)}</td><td>${esc(l.n)}</td><td>${esc(l.p50)}</td><td>${esc(l.p95)}</td><td>${esc(l.p99)}</td><td>${esc(l.qps)}</td></tr>`);
    out.push('</tbody></table><p><small>Closed loop: a stalled query delays the next one instead of being counted as its latency (coordinated omission).</small></p>');
  }
  return out.join('\n');
}
