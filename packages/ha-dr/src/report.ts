// How the ha-dr sections of a report are drawn: the SLA table (every figure next to the seed's SLA)
// and, per case, a timeline of the writer's outcomes — acknowledged writes per node, failed and
// in-doubt writes, per 250 ms — with the fault windows shaded and the fault and RTO marked, then the
// case as steady state → fault → observation → rollback. Inline SVG only (no script, no asset).
import type { Report } from '@helios-conformance/core';

interface Timing {
  [k: string]: number | null | undefined;
}
interface ExperimentView {
  topology?: string;
  phases?: Array<{ phase: string; at: number; what: string }>;
  actions?: Array<{ action: string; ok: boolean; at: number; ms: number; command?: string }>;
  timings?: Timing;
  sla?: Partial<Record<'rtoMs' | 'electionMs' | 'detectionMs' | 'failbackMs' | 'rpoWrites' | 'pitrAccuracyMs' | 'pitrRestoreMs' | 'regionLagMs', number>>;
  ledger?: { acked?: number; lostCount?: number; resurrectedCount?: number; staleCount?: number; inDoubt?: number; failed?: number };
  timeline?: Array<{ t: number; counts: Record<string, number> }>;
  /** When the fault the RTO is measured from was injected (ms from the experiment's start). */
  faultAt?: number;
}

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const FONT = 'font-family="system-ui,-apple-system,Segoe UI,sans-serif"';
const secs = (ms: number | null | undefined): string => (ms == null ? 'not reached' : `${(ms / 1000).toFixed(2)} s`);

/** Timing keys with an SLA, in the order of the seed's table. */
const SLA_OF: ReadonlyArray<[timing: string, sla: 'detectionMs' | 'electionMs' | 'rtoMs' | 'failbackMs' | 'pitrAccuracyMs' | 'pitrRestoreMs' | 'regionLagMs', label: string]> = [
  ['detectionMs', 'detectionMs', 'detection'],
  ['electionMs', 'electionMs', 'election'],
  ['rtoMs', 'rtoMs', 'RTO'],
  ['failbackMs', 'failbackMs', 'failback'],
  // TC-BR-002 and TC-BR-003 (their sections carry these SLAs; TC-BR-001's restoreMsMax has none).
  ['pitrAccuracyMs', 'pitrAccuracyMs', 'PITR accuracy'],
  ['restoreMsMax', 'pitrRestoreMs', 'slowest restore'],
  ['regionLagMsMax', 'regionLagMs', 'region lag (max)'],
];

/** The fault actions and the action that ends each one's window. */
const WINDOWS: Readonly<Record<string, { until: string; label: string; fill: string; stroke: string }>> = {
  partition: { until: 'heal', label: 'partitioned', fill: '#fff1e5', stroke: '#fb8f44' },
  kill: { until: 'start', label: 'node down', fill: '#f2f4f7', stroke: '#6e7781' },
  stop: { until: 'start', label: 'node stopped', fill: '#f2f4f7', stroke: '#6e7781' },
  pause: { until: 'resume', label: 'paused', fill: '#fff8c5', stroke: '#bf8700' },
  'fill-disk': { until: 'free-disk', label: 'disk full', fill: '#ffebe9', stroke: '#cf222e' },
  'skew-clock': { until: 'skew-clock', label: 'clock skewed', fill: '#ddf4ff', stroke: '#0969da' },
};

const experiments = (report: Report): Array<[string, ExperimentView]> => {
  const hadr = (report.sections as { hadr?: Record<string, ExperimentView> }).hadr ?? {};
  return Object.entries(hadr).filter(([, e]) => e && typeof e === 'object');
};

interface SlaRow {
  id: string;
  figure: string;
  measured: string;
  sla: string;
  within: boolean | null;
}

/** Every figure a case measured, next to its SLA where the seed has one. */
export function slaRows(report: Report): SlaRow[] {
  const rows: SlaRow[] = [];
  for (const [id, e] of experiments(report)) {
    const t = e.timings ?? {};
    const seen = new Set<string>();
    for (const [k, s, label] of SLA_OF) {
      if (!(k in t)) continue;
      seen.add(k);
      const v = t[k];
      const limit = e.sla?.[s];
      rows.push({ id, figure: label, measured: secs(v), sla: limit === undefined ? '—' : `< ${secs(limit)}`, within: limit === undefined ? null : v != null && v <= limit });
    }
    if (e.ledger && typeof e.ledger.lostCount === 'number') {
      const limit = e.sla?.rpoWrites;
      rows.push({ id, figure: 'RPO (acknowledged writes lost)', measured: `${e.ledger.lostCount} of ${e.ledger.acked ?? '?'}`, sla: limit === undefined ? '—' : `≤ ${limit}`, within: limit === undefined ? null : e.ledger.lostCount <= limit });
      const back = (e.ledger.resurrectedCount ?? 0) + (e.ledger.staleCount ?? 0);
      rows.push({ id, figure: 'deleted rows back + stale rows', measured: String(back), sla: '0', within: back === 0 });
    }
    for (const [k, v] of Object.entries(t)) {
      if (seen.has(k) || !/Ms$/.test(k)) continue;
      rows.push({ id, figure: k.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`), measured: secs(v), sla: '—', within: null });
    }
  }
  return rows;
}

/** Console lines: the SLA table. */
export function renderHaDrConsole(report: Report): string {
  const rows = slaRows(report);
  if (!rows.length) return '';
  const w = Math.max(...rows.map((r) => `${r.id} ${r.figure}`.length));
  return ['figure'.padEnd(w) + '  measured        SLA', ...rows.map((r) => `${`${r.id} ${r.figure}`.padEnd(w)}  ${r.measured.padEnd(14)}  ${r.sla}${r.within === false ? '  MISSED' : ''}`)].join('\n');
}

const NODE_COLOURS = ['#2da44e', '#0969da', '#8250df', '#bf8700', '#1b7c83', '#6e7781'];
const OUTCOME_COLOURS: Record<string, string> = { failed: '#cf222e', 'in-doubt': '#fb8f44' };

/** Series of a timeline: acknowledged per node first (sorted), then failed, then in doubt. */
function seriesOf(tl: NonNullable<ExperimentView['timeline']>, nodes: readonly string[]): Array<{ key: string; label: string; colour: string }> {
  const keys = new Set<string>();
  for (const b of tl) for (const k of Object.keys(b.counts)) keys.add(k);
  const acks = [...keys].filter((k) => k.startsWith('ack@')).sort();
  const rest = [...keys].filter((k) => !k.startsWith('ack@')).sort();
  // A node keeps its colour in every chart of the report (its place in the topology).
  const colour = (node: string): string => {
    const i = nodes.indexOf(node);
    return NODE_COLOURS[(i >= 0 ? i : nodes.length + acks.indexOf(`ack@${node}`)) % NODE_COLOURS.length]!;
  };
  return [
    ...acks.map((k) => ({ key: k, label: `acknowledged by ${k.slice(4)}`, colour: colour(k.slice(4)) })),
    ...rest.map((k) => ({ key: k, label: k, colour: OUTCOME_COLOURS[k] ?? '#57606a' })),
  ];
}

/** Fault windows from the actions run: each fault action until the action that heals it (or the end). */
function windowsOf(e: ExperimentView, end: number): Array<{ from: number; to: number; label: string; fill: string; stroke: string }> {
  const acts = e.actions ?? [];
  const out: Array<{ from: number; to: number; label: string; fill: string; stroke: string }> = [];
  const used = new Set<number>();
  acts.forEach((a, i) => {
    const w = WINDOWS[a.action];
    if (!w || used.has(i) || !a.ok) return;
    const j = acts.findIndex((b, k) => k > i && !used.has(k) && b.action === w.until);
    if (j >= 0) used.add(j);
    out.push({ from: a.at, to: j >= 0 ? acts[j]!.at + acts[j]!.ms : end, label: w.label, fill: w.fill, stroke: w.stroke });
  });
  return out;
}

/** One case's timeline as an inline SVG (null when the case recorded none). */
export function timelineSvg(id: string, e: ExperimentView, nodes: readonly string[] = []): string | null {
  const tl = e.timeline ?? [];
  if (!tl.length) return null;
  const bucket = tl.length > 1 ? Math.min(...tl.slice(1).map((b, i) => b.t - tl[i]!.t).filter((d) => d > 0), 250) : 250;
  const series = seriesOf(tl, nodes);
  const lastAction = Math.max(0, ...(e.actions ?? []).map((a) => a.at + a.ms));
  const end = Math.max(tl.at(-1)!.t + bucket, lastAction, ...(e.phases ?? []).map((p) => p.at));
  const W = 660;
  const H = 210;
  const L = 44;
  const R = 12;
  const T = 22;
  const B = 34;
  const maxY = Math.max(1, ...tl.map((b) => Object.values(b.counts).reduce((a, c) => a + c, 0)));
  const x = (ms: number): number => L + (ms / end) * (W - L - R);
  const y = (v: number): number => H - B - (v / maxY) * (H - B - T);
  const parts: string[] = [];
  for (const w of windowsOf(e, end)) {
    parts.push(`<rect x="${x(w.from).toFixed(1)}" y="${T}" width="${Math.max(1, x(w.to) - x(w.from)).toFixed(1)}" height="${H - B - T}" fill="${w.fill}" fill-opacity="0.8" stroke="${w.stroke}" stroke-dasharray="3 2"><title>${esc(w.label)}: ${secs(w.from)} → ${secs(w.to)}</title></rect>`);
  }
  const bw = Math.max(1, (bucket / end) * (W - L - R) - 1);
  for (const b of tl) {
    let acc = 0;
    for (const s of series) {
      const n = b.counts[s.key] ?? 0;
      if (!n) continue;
      parts.push(`<rect x="${x(b.t).toFixed(1)}" y="${y(acc + n).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(acc) - y(acc + n)).toFixed(1)}" fill="${s.colour}"><title>${esc(`${secs(b.t)}: ${n} ${s.label}`)}</title></rect>`);
      acc += n;
    }
  }
  // Axes: seconds along the bottom, writes per bucket on the left.
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#57606a"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#57606a"/>`);
  const stepS = [1, 2, 5, 10, 20, 30, 60, 120, 300].find((s) => end / 1000 / s <= 10) ?? 600;
  for (let s = 0; s * 1000 <= end; s += stepS) parts.push(`<text x="${x(s * 1000).toFixed(1)}" y="${H - B + 14}" font-size="10" text-anchor="middle" ${FONT}>${s}</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 4}" font-size="10" text-anchor="middle" ${FONT}>seconds since the steady state began (bars: writes ended per ${bucket} ms)</text>`);
  parts.push(`<text x="${L - 4}" y="${y(maxY) + 4}" font-size="10" text-anchor="end" ${FONT}>${maxY}</text><text x="${L - 4}" y="${H - B}" font-size="10" text-anchor="end" ${FONT}>0</text>`);
  const kill = (e.actions ?? []).find((a) => a.action === 'kill');
  const faultAt = e.faultAt ?? kill?.at ?? (e.actions ?? []).find((a) => a.action in WINDOWS)?.at;
  const marks: Array<{ at: number; label: string; colour: string }> = [];
  if (faultAt !== undefined) marks.push({ at: faultAt, label: 'fault', colour: '#cf222e' });
  const rto = e.timings?.rtoMs;
  if (faultAt !== undefined && typeof rto === 'number') marks.push({ at: faultAt + rto, label: `RTO ${secs(rto)}`, colour: '#1a7f37' });
  // The RTO label sits one line lower so it never covers the fault's when the two are close.
  marks.forEach((m, i) => {
    const mx = x(Math.min(m.at, end));
    const anchor = mx > W - 90 ? 'end' : 'start';
    parts.push(`<line x1="${mx.toFixed(1)}" y1="${T - 4}" x2="${mx.toFixed(1)}" y2="${H - B}" stroke="${m.colour}" stroke-width="2"/><text x="${(mx + (anchor === 'end' ? -3 : 3)).toFixed(1)}" y="${T - 8 + i * 12}" font-size="10" text-anchor="${anchor}" fill="${m.colour}" ${FONT}>${esc(m.label)}</text>`);
  });
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(`timeline of ${id}`)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** HTML for the report's suite slot. */
export function renderHaDrHtml(report: Report): string {
  const out: string[] = [];
  const rows = slaRows(report);
  if (rows.length) {
    out.push('<h2>SLAs</h2><table class="hadr-sla"><thead><tr><th>case</th><th>figure</th><th>measured</th><th>SLA</th></tr></thead><tbody>');
    rows.forEach((r, i) => {
      const first = i === 0 || rows[i - 1]!.id !== r.id;
      const span = rows.filter((x) => x.id === r.id).length;
      out.push(`<tr>${first ? `<td rowspan="${span}">${esc(r.id)}</td>` : ''}<td>${esc(r.figure)}</td><td class="${r.within === false ? 's-fail' : r.within ? 's-pass' : ''}">${esc(r.measured)}</td><td>${esc(r.sla)}${r.within === false ? ' <strong class="s-fail">missed</strong>' : ''}</td></tr>`);
    });
    out.push('</tbody></table>');
  }
  const nodes = ((report.sections as { topology?: { nodes?: string[] } }).topology?.nodes ?? []).map(String);
  for (const [id, e] of experiments(report)) {
    out.push(`<h3 id="hadr-${esc(id.replace(/[^A-Za-z0-9_-]/g, '_'))}">${esc(id)}${e.topology ? ` <span class="sub">on ${esc(e.topology)}</span>` : ''}</h3>`);
    const svg = timelineSvg(id, e, nodes);
    if (svg) {
      const series = seriesOf(e.timeline ?? [], nodes);
      const kinds = [...new Map(windowsOf(e, Infinity).map((w) => [w.label, w])).values()];
      out.push(svg);
      out.push(`<p class="sub">${[...series.map((s) => `<span style="color:${s.colour}">■</span> ${esc(s.label)}`), ...kinds.map((w) => `<span style="color:${w.stroke}">▨</span> ${esc(w.label)}`)].join(' · ')}</p>`);
    }
    if (e.phases?.length) out.push(`<ol class="hadr-phases">${e.phases.map((p) => `<li><b>${esc(p.phase)}</b> +${(p.at / 1000).toFixed(2)} s: ${esc(p.what)}</li>`).join('')}</ol>`);
    if (e.actions?.length) out.push(`<p class="sub">actions: ${e.actions.map((a) => `${esc(a.action)} at +${(a.at / 1000).toFixed(2)} s (${a.ms} ms${a.ok ? '' : ', FAILED'})`).join(' · ')}</p>`);
  }
  return out.join('\n');
}
