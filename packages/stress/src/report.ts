// The stress suite's part of the console and HTML reports: per case, the corrected and raw
// percentiles side by side, throughput against goodput, late and dropped operations, and the
// percentile spectrum as an inline SVG.
import type { Report } from '@helios-conformance/core';
import type { LoadResult } from './generator/run.js';
import { renderServerConsole, renderServerHtml } from './report-server.js';
import { renderSessionsConsole, renderSessionsHtml } from './cases/sessions/report.js';

type Entry = { readers?: LoadResult; writers?: LoadResult };

function entries(report: Report): Array<[string, Entry]> {
  const latency = (report.sections?.latency ?? {}) as Record<string, Entry>;
  return Object.entries(latency).filter(([, e]) => e && typeof e === 'object' && e.readers);
}

const f = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : String(v));

function line(name: string, r: LoadResult): string[] {
  const c = r.corrected;
  return [
    `  ${name}: ${r.mode}-loop ${r.ratePerSec ?? ''}${r.ratePerSec ? ' ops/s offered, ' : ''}${r.connections} connections; throughput ${r.throughput}/s, goodput ${r.goodput}/s; ${r.late} late, ${r.dropped} dropped, ${r.unfinished} unfinished, errors ${JSON.stringify(r.errors)}`,
    ...(c ? [`    corrected  p50 ${f(c.p50)}  p95 ${f(c.p95)}  p99 ${f(c.p99)}  max ${f(c.max)} ms`] : []),
    `    raw        p50 ${f(r.raw.p50)}  p95 ${f(r.raw.p95)}  p99 ${f(r.raw.p99)}  max ${f(r.raw.max)} ms`,
  ];
}

/** Console lines: each case's load figures. */
export function renderStressConsole(report: Report): string {
  const out: string[] = [];
  for (const [id, e] of entries(report)) {
    out.push(`${id} latency (ms):`);
    if (e.readers) out.push(...line('readers', e.readers));
    if (e.writers) out.push(...line('writers', e.writers));
  }
  out.push(...renderServerConsole(report));
  out.push(...renderSessionsConsole(report));
  return out.join('\n');
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The percentile spectrum (x: percentile on a log scale of 1/(1-p), y: ms on a log scale), corrected and raw. */
function spectrumSvg(r: LoadResult): string {
  const W = 420;
  const H = 180;
  const series: Array<[string, string, Array<[number, number]>]> = [['raw', '#888', r.spectrum.raw]];
  if (r.spectrum.corrected) series.unshift(['corrected', '#c33', r.spectrum.corrected]);
  const x = (p: number): number => 30 + (Math.log10(1 / Math.max(1e-4, 1 - p / 100)) / 4) * (W - 60);
  const all = series.flatMap(([, , s]) => s.map(([, v]) => v)).filter((v) => v > 0);
  if (all.length === 0) return '';
  const lo = Math.log10(Math.min(...all));
  const hi = Math.max(lo + 1, Math.log10(Math.max(...all)));
  const y = (v: number): number => H - 20 - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (H - 30);
  const paths = series
    .map(([name, color, s]) => `<polyline fill="none" stroke="${color}" stroke-width="2" points="${s.map(([p, v]) => `${x(p).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"><title>${name}</title></polyline>`)
    .join('');
  const ticks = [50, 90, 99, 99.9, 99.99].map((p) => `<text x="${x(p).toFixed(1)}" y="${H - 4}" font-size="10" text-anchor="middle">p${p}</text>`).join('');
  const legend = series.map(([name, color], i) => `<text x="${W - 90}" y="${14 + i * 12}" font-size="10" fill="${color}">${name}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="latency percentile spectrum"><text x="2" y="12" font-size="10">${esc(`${(10 ** hi).toPrecision(3)} ms`)}</text><text x="2" y="${H - 22}" font-size="10">${esc(`${(10 ** lo).toPrecision(2)} ms`)}</text>${paths}${ticks}${legend}</svg>`;
}

/** Per second: p50 and p99, corrected and raw (ms, log scale), and completed operations (bars), warm-up shaded. */
function timelineSvg(r: LoadResult): string {
  const t = r.timeline;
  if (t.length === 0) return '';
  const W = 420;
  const H = 160;
  const bw = (W - 40) / t.length;
  const x = (i: number): number => 30 + i * bw;
  const maxOps = Math.max(1, ...t.map((s) => s.completed));
  const lat = t.flatMap((s) => [s.raw.p50, s.raw.p99, s.corrected?.p50 ?? null, s.corrected?.p99 ?? null]).filter((v): v is number => v !== null && v > 0);
  const lo = Math.log10(Math.min(...lat, 1));
  const hi = Math.max(lo + 1, Math.log10(Math.max(...lat, 1)));
  const y = (v: number): number => H - 15 - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (H - 25);
  const bars = t
    .map((s, i) => `<rect x="${x(i).toFixed(1)}" y="${(H - 15 - (s.completed / maxOps) * (H - 25)).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${((s.completed / maxOps) * (H - 25)).toFixed(1)}" fill="${s.warmup ? '#eee' : '#cde'}"><title>${s.second}s: ${s.completed} ops</title></rect>`)
    .join('');
  const line = (pick: (s: LoadResult['timeline'][number]) => number | null, color: string, name: string, dash = ''): string => {
    const pts = t.map((s, i) => [i, pick(s)] as const).filter((p): p is readonly [number, number] => p[1] !== null);
    return pts.length ? `<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts.map(([i, v]) => `${(x(i) + bw / 2).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"><title>${name}</title></polyline>` : '';
  };
  // p99 solid, p50 dashed; corrected red, raw grey (the same colours as the spectrum).
  const series: Array<[string, string, string, (s: LoadResult['timeline'][number]) => number | null]> = [
    ['p99 raw', '#888', '', (s) => s.raw.p99],
    ['p50 raw', '#888', '4 3', (s) => s.raw.p50],
    ['p99 corrected', '#c33', '', (s) => s.corrected?.p99 ?? null],
    ['p50 corrected', '#c33', '4 3', (s) => s.corrected?.p50 ?? null],
  ];
  const shown = series.filter(([, , , pick]) => t.some((s) => pick(s) !== null));
  const legend = shown
    .map(([name, color, dash], i) => `<line x1="${32 + i * 96}" y1="${H + 6}" x2="${50 + i * 96}" y2="${H + 6}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/><text x="${53 + i * 96}" y="${H + 9}" font-size="10">${name}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 12}" role="img" aria-label="throughput, p50 and p99 (raw and corrected) over time">${bars}${shown.map(([name, color, dash, pick]) => line(pick, color, name, dash)).join('')}<text x="2" y="10" font-size="10">${esc(`${(10 ** hi).toPrecision(3)} ms`)}</text><text x="${W - 150}" y="10" font-size="10">bars: ops/s (max ${maxOps})</text>${legend}</svg>`;
}

function rowHtml(name: string, r: LoadResult): string {
  const c = r.corrected;
  const cells = (s: LoadResult['raw'] | null): string => (s ? [s.p50, s.p95, s.p99, s.max].map((v) => `<td>${esc(f(v))}</td>`).join('') : '<td colspan="4">n/a (closed loop)</td>');
  return `<tr><th>${esc(name)} corrected</th>${cells(c)}<td rowspan="2">${r.throughput}</td><td rowspan="2">${r.goodput}</td><td rowspan="2">${r.late} / ${r.dropped} / ${r.unfinished}</td></tr><tr><th>${esc(name)} raw</th>${cells(r.raw)}</tr>`;
}

/** HTML: per case, a table of percentiles and the readers' spectrum. */
export function renderStressHtml(report: Report): string {
  const parts = entries(report).map(([id, e]) => {
    const rows = [e.readers ? rowHtml('readers', e.readers) : '', e.writers ? rowHtml('writers', e.writers) : ''].join('');
    return `<section><h3>${esc(id)}: latency (ms)</h3><table><thead><tr><th></th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th>ops/s</th><th>good/s</th><th>late/drop/unfin.</th></tr></thead><tbody>${rows}</tbody></table>${e.readers ? spectrumSvg(e.readers) + timelineSvg(e.readers) : ''}</section>`;
  });
  return [...parts, renderServerHtml(report), ...renderSessionsHtml(report)].filter(Boolean).join('\n');
}
