// The server monitor's part of the console and HTML reports: per case, memory and CPU of the
// server's process tree over time (inline SVG), with the moments the case marked (load started,
// checkpoint issued), and what each memory figure sums.
import type { Report } from '@helios-conformance/core';
import type { ServerSample, ServerSeries } from './monitor/server-monitor.js';

type Entry = { series: ServerSeries; judged?: Record<string, unknown> };

function entries(report: Report): Array<[string, Entry]> {
  const server = (report.sections?.server ?? {}) as Record<string, Entry>;
  return Object.entries(server).filter(([, e]) => e && typeof e === 'object' && e.series && Array.isArray(e.series.samples));
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const mb = (kb: number | null | undefined): string => (kb === null || kb === undefined ? '-' : (kb / 1024).toFixed(1));
const nums = (xs: Array<number | null>): number[] => xs.filter((v): v is number => v !== null);

function summary(s: ServerSeries): string {
  const first = s.samples.find((x) => x.anonKb !== null);
  const last = [...s.samples].reverse().find((x) => x.anonKb !== null);
  const cpu = nums(s.samples.map((x) => x.cpuCorePct));
  const conns = nums(s.samples.map((x) => x.connections));
  const parts = [`${s.samples.length} samples every ${s.intervalMs} ms`];
  if (s.source === 'proc' && first && last) {
    parts.push(`anon ${mb(first.anonKb)} → ${mb(last.anonKb)} MB, pss ${mb(first.pssKb)} → ${mb(last.pssKb)} MB, rss ${mb(first.rssKb)} → ${mb(last.rssKb)} MB, ${first.processes} → ${last.processes} processes`);
    if (cpu.length) parts.push(`CPU max ${Math.max(...cpu)} % of one core (${s.cores} cores)`);
  } else parts.push(`no memory or CPU: ${s.unavailable ?? 'not sampled'}`);
  if (conns.length) parts.push(`client connections ${Math.min(...conns)}–${Math.max(...conns)}`);
  return parts.join('; ');
}

/** Console lines: one per monitored case. */
export function renderServerConsole(report: Report): string[] {
  return entries(report).map(([id, e]) => `${id} server (${e.series.source === 'proc' ? `pid ${e.series.pid} from ${e.series.pidFrom}, /proc` : 'SQL only'}): ${summary(e.series)}`);
}

const W = 420;
const H = 150;

/** Lines of `pick` over time, with the case's marks as dashed verticals; y from 0 to the largest value. */
function chart(s: ServerSeries, label: string, unit: string, lines: Array<[string, string, (x: ServerSample) => number | null]>, markLabels = false): string {
  const end = Math.max(1, ...s.samples.map((x) => x.tMs));
  const values = lines.flatMap(([, , pick]) => nums(s.samples.map(pick)));
  if (values.length === 0) return '';
  const top = Math.max(...values) * 1.1 || 1;
  const x = (t: number): number => 35 + (t / end) * (W - 45);
  // The top 24 px hold the scale, the legend and the marks' labels.
  const y = (v: number): number => H - 15 - (v / top) * (H - 40);
  const paths = lines
    .map(([name, color, pick]) => {
      const pts = s.samples.map((p) => [p.tMs, pick(p)] as const).filter((p): p is readonly [number, number] => p[1] !== null);
      return pts.length ? `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"><title>${esc(name)}</title></polyline>` : '';
    })
    .join('');
  const marks = s.marks
    .map((m, i) => {
      const at = x(m.tMs).toFixed(1);
      // Right of the middle a label ends at its line, so one near the end stays inside the chart.
      const anchor = x(m.tMs) > W / 2 ? ' text-anchor="end"' : '';
      const text = markLabels ? `<text x="${at}" y="${i % 2 ? 34 : 25}" font-size="9" fill="#666"${anchor}>${esc(m.label)}</text>` : '';
      return `<line x1="${at}" x2="${at}" y1="20" y2="${H - 15}" stroke="#999" stroke-dasharray="3,3"><title>${esc(`${m.label} at ${(m.tMs / 1000).toFixed(2)} s`)}</title></line>${text}`;
    })
    .join('');
  const legend = lines.map(([name, color], i) => `<text x="${150 + i * 95}" y="12" font-size="10" fill="${color}">${esc(name)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(label)}">${marks}${paths}<text x="2" y="12" font-size="10">${esc(`${top.toPrecision(3)} ${unit}`)}</text><text x="2" y="${H - 17}" font-size="10">0</text><text x="${W - 40}" y="${H - 3}" font-size="10">${(end / 1000).toFixed(1)} s</text>${legend}</svg>`;
}

/** HTML: per monitored case, memory (MB) and CPU (% of one core) over time. */
export function renderServerHtml(report: Report): string {
  return entries(report)
    .map(([id, e]) => {
      const s = e.series;
      const kb = (pick: (x: ServerSample) => number | null) => (x: ServerSample): number | null => {
        const v = pick(x);
        return v === null ? null : v / 1024;
      };
      const memory =
        s.source === 'proc'
          ? // rss (in the summary line) is left out: it counts shared buffers once per process and would flatten the others.
            chart(
              s,
              'server memory over time',
              'MB',
              [
                ['anon (own heap)', '#c33', kb((x) => x.anonKb)],
                ['pss', '#36c', kb((x) => x.pssKb)],
              ],
              true,
            )
          : '';
      const cpu = s.source === 'proc' ? chart(s, 'server CPU over time', `% of one core (${s.cores} cores)`, [['CPU', '#393', (x) => x.cpuCorePct]]) : '';
      const conns = chart(s, 'client connections over time', 'connections', [['connections', '#36c', (x) => x.connections], ['active', '#c33', (x) => x.active]]);
      const judged = e.judged ? `<pre>${esc(JSON.stringify(e.judged, null, 1))}</pre>` : '';
      return `<section><h3>${esc(id)}: server</h3><p>${esc(summary(s))}</p>${memory}${cpu}${conns}<p><small>${esc(s.memoryNote)}</small></p>${judged}</section>`;
    })
    .join('\n');
}
