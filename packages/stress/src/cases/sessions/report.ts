// The session cases' part of the console and HTML reports (the `sessions` section): T221's
// notification latency, T223's counts, T227's backlog over time, T228's ramp step by step.
import type { Report } from '@helios-conformance/core';
import { decodeHistogram, spectrum, type LatencySummary } from '../../generator/histogram.js';

interface Notify {
  writers: number;
  listeners: number;
  ratePerSec: number;
  inserted: number;
  missing: number;
  duplicatesOrReordered: number;
  disconnects: { listeners: number; writers: number };
  latency: LatencySummary;
  histogram?: string;
}
interface Sample {
  atMs: number;
  queueUsage: number;
  waiting: number;
}
interface Entry {
  notify?: Notify;
  thresholds?: Record<string, number>;
  leak?: { opened: number; closed: number; expected: number; reported: number; settledMs: number | null; deadlineMs: number };
  backlog?: { baseline: Sample; peak: { queueUsage: number; waiting: number }; after: Sample; settleMs: number | null; samples: Sample[] };
  ramp?: { stepMs: number; stoppedBy: string; peakConnections: number; alive: number; dropped: number; servedAfter: boolean; steps: Array<{ connections: number; inserts: number; refused: Record<string, number>; latency: LatencySummary }> };
}

function entries(report: Report): Array<[string, Entry]> {
  const s = (report.sections?.sessions ?? {}) as Record<string, Entry>;
  return Object.entries(s).filter(([, e]) => e && typeof e === 'object');
}

const f = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : String(v));

/** Console lines of the session cases. */
export function renderSessionsConsole(report: Report): string[] {
  const out: string[] = [];
  for (const [id, e] of entries(report)) {
    if (e.notify) {
      const n = e.notify;
      out.push(`${id} notifications: ${n.inserted} rows by ${n.writers} writers at ${n.ratePerSec}/s, ${n.listeners} listeners; missing ${n.missing}, doubled/reordered ${n.duplicatesOrReordered}, disconnects ${n.disconnects.listeners + n.disconnects.writers}`);
      out.push(`    send → receive  p50 ${f(n.latency.p50)}  p95 ${f(n.latency.p95)}  p99 ${f(n.latency.p99)}  max ${f(n.latency.max)} ms${e.thresholds?.p99Ms !== undefined ? ` (limit p99 ${e.thresholds.p99Ms} ms)` : ''}`);
    }
    if (e.leak) {
      const l = e.leak;
      out.push(`${id} sessions: opened ${l.opened}, closed ${l.closed}; the server reports ${l.reported} (expected ${l.expected}) ${l.settledMs === null ? `at the deadline (${l.deadlineMs} ms)` : `after ${l.settledMs} ms`}`);
    }
    if (e.backlog) {
      const b = e.backlog;
      out.push(`${id} backlog: notification queue usage baseline ${b.baseline.queueUsage}, peak ${b.peak.queueUsage}, after ${b.after.queueUsage}; lock waits baseline ${b.baseline.waiting}, peak ${b.peak.waiting}, after ${b.after.waiting}; ${b.settleMs === null ? 'not back to baseline' : `back to baseline in ${b.settleMs} ms`} (${b.samples.length} samples)`);
    }
    if (e.ramp) {
      const r = e.ramp;
      out.push(`${id} ramp: stopped by ${r.stoppedBy} at ${r.peakConnections} sessions (${r.stepMs} ms steps); ${r.alive} still working after it, ${r.dropped} dropped; a new session ${r.servedAfter ? 'served' : 'NOT served'} after`);
      for (const s of r.steps) out.push(`    ${String(s.connections).padStart(5)} sessions  ${String(s.inserts).padStart(6)} inserts  p50 ${f(s.latency.p50)}  p99 ${f(s.latency.p99)} ms${Object.keys(s.refused).length ? `  refused ${JSON.stringify(s.refused)}` : ''}`);
    }
  }
  return out;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** T228: p99 per step (line, log scale) over the sessions open (bars), refusals marked red. */
function rampSvg(r: NonNullable<Entry['ramp']>): string {
  const W = 420;
  const H = 160;
  const n = r.steps.length;
  if (n === 0) return '';
  const bw = (W - 40) / n;
  const maxC = Math.max(1, ...r.steps.map((s) => s.connections));
  const lat = r.steps.map((s) => s.latency.p99).filter((v): v is number => v !== null && v > 0);
  const lo = Math.log10(Math.min(...lat, 1));
  const hi = Math.max(lo + 1, Math.log10(Math.max(...lat, 1)));
  const y = (v: number): number => H - 15 - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (H - 25);
  const bars = r.steps
    .map((s, i) => {
      const h = (s.connections / maxC) * (H - 25);
      const fill = Object.keys(s.refused).length ? '#e99' : '#cde';
      return `<rect x="${(30 + i * bw).toFixed(1)}" y="${(H - 15 - h).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}"><title>${s.connections} sessions, p99 ${f(s.latency.p99)} ms${Object.keys(s.refused).length ? `, refused ${esc(JSON.stringify(s.refused))}` : ''}</title></rect>`;
    })
    .join('');
  const pts = r.steps.map((s, i) => [i, s.latency.p99] as const).filter((p): p is readonly [number, number] => p[1] !== null);
  const line = pts.length ? `<polyline fill="none" stroke="#c33" stroke-width="2" points="${pts.map(([i, v]) => `${(30 + i * bw + bw / 2).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"><title>p99 per step</title></polyline>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="ramp: sessions and p99 per step">${bars}${line}<text x="2" y="10" font-size="10">${esc(`p99 ${(10 ** hi).toPrecision(3)} ms`)}</text><text x="${W - 150}" y="10" font-size="10">bars: sessions (max ${maxC})</text></svg>`;
}

/** T227: lock waits (bars) and notification queue usage (line) per sample. */
function backlogSvg(b: NonNullable<Entry['backlog']>): string {
  const W = 420;
  const H = 140;
  const s = b.samples;
  if (s.length === 0) return '';
  const bw = (W - 40) / s.length;
  const maxW = Math.max(1, ...s.map((x) => x.waiting));
  const maxQ = Math.max(1e-9, ...s.map((x) => x.queueUsage));
  const bars = s.map((x, i) => `<rect x="${(30 + i * bw).toFixed(1)}" y="${(H - 15 - (x.waiting / maxW) * (H - 25)).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${((x.waiting / maxW) * (H - 25)).toFixed(1)}" fill="#cde"><title>${x.atMs} ms: ${x.waiting} waiting</title></rect>`).join('');
  const line = `<polyline fill="none" stroke="#c33" stroke-width="2" points="${s.map((x, i) => `${(30 + i * bw + bw / 2).toFixed(1)},${(H - 15 - (x.queueUsage / maxQ) * (H - 25)).toFixed(1)}`).join(' ')}"><title>notification queue usage</title></polyline>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="backlog over time">${bars}${line}<text x="2" y="10" font-size="10">${esc(`queue ${maxQ.toPrecision(3)}`)}</text><text x="${W - 170}" y="10" font-size="10">bars: lock waits (max ${maxW})</text></svg>`;
}

/** T221: the send → receive percentile spectrum (x: 1/(1-p) on a log scale, y: ms on a log scale), the limit dashed. */
function notifySvg(n: Notify, limitMs: number | undefined): string {
  if (!n.histogram) return '';
  const pts = spectrum(decodeHistogram(n.histogram));
  const all = [...pts.map(([, v]) => v), ...(limitMs ? [limitMs] : [])].filter((v) => v > 0);
  if (pts.length === 0 || all.length === 0) return '';
  const W = 420;
  const H = 160;
  const x = (p: number): number => 30 + (Math.log10(1 / Math.max(1e-4, 1 - p / 100)) / 4) * (W - 60);
  const lo = Math.log10(Math.min(...all));
  const hi = Math.max(lo + 1, Math.log10(Math.max(...all)));
  const y = (v: number): number => H - 20 - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (H - 30);
  const line = `<polyline fill="none" stroke="#c33" stroke-width="2" points="${pts.map(([p, v]) => `${x(p).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"><title>send → receive</title></polyline>`;
  const limit = limitMs ? `<line x1="30" x2="${W - 30}" y1="${y(limitMs).toFixed(1)}" y2="${y(limitMs).toFixed(1)}" stroke="#888" stroke-dasharray="4 3"><title>limit ${limitMs} ms</title></line>` : '';
  const ticks = [50, 90, 99, 99.9, 99.99].map((p) => `<text x="${x(p).toFixed(1)}" y="${H - 4}" font-size="10" text-anchor="middle">p${p}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="notification latency spectrum">${line}${limit}${ticks}<text x="2" y="12" font-size="10">${esc(`${(10 ** hi).toPrecision(3)} ms`)}</text></svg>`;
}

/** HTML sections of the session cases. */
export function renderSessionsHtml(report: Report): string[] {
  return entries(report).map(([id, e]) => {
    const lines = renderSessionsConsole({ ...report, sections: { sessions: { [id]: e } } });
    const pics = [e.notify ? notifySvg(e.notify, e.thresholds?.p99Ms) : '', e.ramp ? rampSvg(e.ramp) : '', e.backlog ? backlogSvg(e.backlog) : ''].join('');
    return `<section><h3>${esc(id)}: sessions</h3><pre style="white-space:pre-wrap">${esc(lines.join('\n'))}</pre>${pics}</section>`;
  });
}
