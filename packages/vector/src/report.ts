// How the vector sections of a report are drawn: a compact console table, and HTML with an
// inline SVG recall-vs-QPS curve and the recall tables per metric and per selectivity.
import type { Report } from '@helios-conformance/core';

/** Label of every figure from a local stand-in endpoint. */
export const SIMULATED_LABEL = 'contract-tested, not verified against Pinecone';

interface RecallRow { metric: string; k: number; recallById: number; recallTieSafe: number; plan?: { path: string; detail?: string }; params?: { efSearch?: number; probes?: number }; qps?: number }
interface PathRow { path: string; recallTieSafe: number; recallById: number; plan: { path: string; detail?: string }; qps: number }
interface FilteredRow { selectivity: string; kind: string; filter: string; paths: PathRow[]; note?: string; judgedPath?: string }
interface SweepPoint { efSearch: number; recall: number; qps: number; p50: number }
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

function sweepSvg(points: SweepPoint[]): string {
  if (!points.length) return '';
  const W = 520, H = 300, L = 60, R = 20, T = 20, B = 45;
  const qs = points.map((p) => p.qps);
  const minR = Math.min(0.5, ...points.map((p) => p.recall)), maxQ = Math.max(...qs) * 1.1;
  const x = (r: number): number => L + ((r - minR) / (1 - minR || 1)) * (W - L - R);
  const y = (q: number): number => H - B - (q / (maxQ || 1)) * (H - T - B);
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.recall).toFixed(1)},${y(p.qps).toFixed(1)}`).join(' ');
  const dots = points.map((p) => `<circle cx="${x(p.recall).toFixed(1)}" cy="${y(p.qps).toFixed(1)}" r="4"><title>ef_search ${esc(p.efSearch)}: recall ${f3(p.recall)}, ${esc(p.qps)} QPS, p50 ${esc(p.p50)} ms</title></circle><text x="${(x(p.recall) + 6).toFixed(1)}" y="${(y(p.qps) - 6).toFixed(1)}" font-size="10">ef ${esc(p.efSearch)}</text>`).join('');
  const ticks = [minR, (minR + 1) / 2, 1].map((r) => `<text x="${x(r).toFixed(1)}" y="${H - B + 16}" font-size="10" text-anchor="middle">${r.toFixed(2)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="recall versus QPS">
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>
${ticks}<text x="${(W + L) / 2}" y="${H - 8}" font-size="11" text-anchor="middle">recall@10 (tie-safe)</text>
<text x="14" y="${(H - B + T) / 2}" font-size="11" transform="rotate(-90 14 ${(H - B + T) / 2})" text-anchor="middle">QPS</text>
<text x="${L - 6}" y="${T + 4}" font-size="10" text-anchor="end">${Math.round(maxQ)}</text><text x="${L - 6}" y="${H - B}" font-size="10" text-anchor="end">0</text>
<path d="${path}" fill="none" stroke="#1f6feb" stroke-width="2"/>${dots}</svg>`;
}

/** HTML for the report's suite slot. */
export function renderVectorHtml(report: Report): string {
  const s = sectionsOf(report);
  const out: string[] = [];
  if (s.endpoint?.simulated) out.push(`<p class="warning"><strong>${esc(SIMULATED_LABEL)}</strong>: the endpoint was a local simulation; no figure here was measured on Pinecone.</p>`);
  for (const [key, sw] of Object.entries(s.sweep)) out.push(`<h3>Recall vs QPS (${esc(key)}, ef_search sweep)</h3>${sweepSvg(sw.points)}`);
  const rec = Object.values(s.recall);
  if (rec.length) {
    out.push('<h3>Recall@k</h3><table><thead><tr><th>metric</th><th>k</th><th>recall by ID</th><th>recall tie-safe</th><th>plan</th><th>params</th><th>QPS</th></tr></thead><tbody>');
    for (const r of rec) out.push(`<tr><td>${esc(r.metric)}</td><td>${esc(r.k)}</td><td>${f3(r.recallById)}</td><td>${f3(r.recallTieSafe)}</td><td title="${esc(r.plan?.detail ?? '')}">${esc(r.plan?.path ?? '?')}</td><td>${esc(JSON.stringify(r.params ?? {}))}</td><td>${esc(r.qps ?? '')}</td></tr>`);
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
  const lat = Object.values(s.latency);
  if (lat.length) {
    out.push('<h3>Latency</h3><table><thead><tr><th>concurrency</th><th>queries</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>QPS</th></tr></thead><tbody>');
    for (const l of lat) out.push(`<tr><td>${esc(l.concurrency)}</td><td>${esc(l.n)}</td><td>${esc(l.p50)}</td><td>${esc(l.p95)}</td><td>${esc(l.p99)}</td><td>${esc(l.qps)}</td></tr>`);
    out.push('</tbody></table><p><small>Closed loop: a stalled query delays the next one instead of being counted as its latency (coordinated omission).</small></p>');
  }
  return out.join('\n');
}
