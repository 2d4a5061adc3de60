// Inline SVG charts for the vector HTML report: self-contained (no script, no external asset),
// axes scaled to the data (a recall curve between 0.96 and 1.0 uses the whole width), ticks at
// round values, and labels kept inside the chart box (checked in chromium by the tests).

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const FONT = 'font-family="system-ui,-apple-system,Segoe UI,sans-serif"';
/** Rough width of a label: the layout keeps a margin for it so the browser never clips it. */
const textWidth = (s: string, size: number): number => s.length * size * 0.62;

/** Round tick values covering [min, max] (steps of 1, 2 or 5 × 10^n). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Powers of ten (with 2× and 5× between them when the range is short) inside [min, max]. */
export function logTicks(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) out.push(Number(v.toPrecision(12)));
    }
  }
  return out;
}

/** `1234.5` → `1235`, `0.0123` → `0.012`: a tick label without noise. */
export function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 100) return String(Math.round(v));
  if (a >= 10) return v.toFixed(1).replace(/\.0$/, '');
  if (a >= 1) return v.toFixed(2).replace(/\.?0+$/, '');
  return v.toPrecision(3).replace(/\.?0+$/, '');
}

interface Scale {
  map(v: number): number;
  ticks: number[];
  log: boolean;
}

/** A linear or logarithmic scale of [lo, hi] onto [a, b] (pixels). */
function scale(lo: number, hi: number, a: number, b: number, log: boolean): Scale {
  if (log) {
    const l0 = Math.log10(lo);
    const l1 = Math.log10(hi);
    return { map: (v) => a + ((Math.log10(v) - l0) / (l1 - l0 || 1)) * (b - a), ticks: logTicks(lo, hi), log };
  }
  return { map: (v) => a + ((v - lo) / (hi - lo || 1)) * (b - a), ticks: niceTicks(lo, hi), log };
}

/** Data range padded by 8 % (at least `minSpan`), clamped to [floor, ceil]. */
function padded(values: readonly number[], minSpan: number, floor = -Infinity, ceil = Infinity): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const span = Math.max(hi - lo, minSpan);
  const mid = (lo + hi) / 2;
  lo = Math.max(floor, Math.min(lo, mid - span / 2) - span * 0.08);
  hi = Math.min(ceil, Math.max(hi, mid + span / 2) + span * 0.08);
  if (hi - lo < minSpan) {
    if (hi === ceil) lo = hi - minSpan;
    else hi = lo + minSpan;
  }
  return [lo, hi];
}

/** One point of a recall-vs-QPS curve. */
export interface CurvePoint {
  label: string;
  recall: number;
  qps: number;
  title: string;
}

const W = 640;

/**
 * Recall (x) against QPS (y), ann-benchmarks style: x spans the recall the points reached
 * (padded), y is logarithmic when QPS varies tenfold or more. Each point is labelled.
 */
export function recallQpsChart(points: readonly CurvePoint[], o: { xLabel: string; ariaLabel: string }): string {
  if (!points.length) return '';
  const H = 340, L = 64, R = 24, T = 16, B = 50;
  const [x0, x1] = padded(points.map((p) => p.recall), 0.02, 0, 1);
  const qs = points.map((p) => p.qps).filter((q) => q > 0);
  const qMin = Math.min(...qs), qMax = Math.max(...qs);
  const log = qMax / qMin >= 10;
  const [y0, y1] = log ? [qMin / 1.3, qMax * 1.3] : padded(qs, Math.max(1, qMax * 0.1), 0);
  const x = scale(x0, x1, L, W - R, false);
  const y = scale(y0, y1, H - B, T, log);
  const parts: string[] = [];
  for (const t of x.ticks) {
    const px = x.map(t);
    parts.push(`<line x1="${px.toFixed(1)}" y1="${T}" x2="${px.toFixed(1)}" y2="${H - B}" stroke="#eaeef2"/><text x="${px.toFixed(1)}" y="${H - B + 16}" font-size="11" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of y.ticks) {
    const py = y.map(t);
    parts.push(`<line x1="${L}" y1="${py.toFixed(1)}" x2="${W - R}" y2="${py.toFixed(1)}" stroke="#eaeef2"/><text x="${L - 6}" y="${(py + 4).toFixed(1)}" font-size="11" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" font-size="12" text-anchor="middle">${esc(o.xLabel)}</text>`);
  const midY = (T + H - B) / 2;
  parts.push(`<text x="16" y="${midY}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${midY})">QPS${log ? ' (log scale)' : ''}</text>`);
  const sorted = [...points].sort((a, b) => a.recall - b.recall || a.qps - b.qps);
  parts.push(`<path d="${sorted.map((p, i) => `${i ? 'L' : 'M'}${x.map(p.recall).toFixed(1)},${y.map(p.qps).toFixed(1)}`).join(' ')}" fill="none" stroke="#1f6feb" stroke-width="2"/>`);
  for (const p of points) {
    const px = x.map(p.recall);
    const py = y.map(p.qps);
    // Right of the point, or left of it when the label would leave the plot.
    const right = px + 7 + textWidth(p.label, 10) <= W - 4;
    const ty = Math.min(H - B - 4, Math.max(T + 10, py - 6));
    parts.push(
      `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="4" fill="#1f6feb"><title>${esc(p.title)}</title></circle>` +
        `<text x="${(right ? px + 7 : px - 7).toFixed(1)}" y="${ty.toFixed(1)}" font-size="10" text-anchor="${right ? 'start' : 'end'}">${esc(p.label)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.ariaLabel)}" ${FONT}>${parts.join('')}</svg>`;
}

/** One group of bars (one configuration) with a value per series; null = not measured. */
export interface BarGroup {
  label: string;
  values: ReadonlyArray<number | null>;
}

const COLOURS = ['#1f6feb', '#bf8700', '#cf222e', '#1a7f37'];

/** Vertical grouped bars from 0 (one colour per series, legend on top), e.g. p50/p95/p99 per configuration. */
export function groupedBarChart(groups: readonly BarGroup[], series: readonly string[], o: { yLabel: string; ariaLabel: string }): string {
  const all = groups.flatMap((g) => g.values).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!groups.length || !all.length) return '';
  const H = 320, L = 64, R = 16, T = 34, B = 44;
  const ticks = niceTicks(0, Math.max(...all) * 1.05);
  const top = ticks.at(-1)! >= Math.max(...all) ? ticks.at(-1)! : Math.max(...all);
  const y = scale(0, top, H - B, T, false);
  const band = (W - L - R) / groups.length;
  const barW = Math.max(3, Math.min(22, (band * 0.8) / series.length));
  const parts: string[] = [];
  for (const t of niceTicks(0, top)) {
    const py = y.map(t);
    parts.push(`<line x1="${L}" y1="${py.toFixed(1)}" x2="${W - R}" y2="${py.toFixed(1)}" stroke="#eaeef2"/><text x="${L - 6}" y="${(py + 4).toFixed(1)}" font-size="11" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>`);
  const midY = (T + H - B) / 2;
  parts.push(`<text x="16" y="${midY}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${midY})">${esc(o.yLabel)}</text>`);
  // Labels that do not fit their band are drawn smaller (never wider than the band).
  const labelSize = Math.max(7, Math.min(11, Math.min(...groups.map((g) => (band - 4) / (g.label.length * 0.62)))));
  groups.forEach((g, gi) => {
    const x0 = L + gi * band + (band - barW * series.length) / 2;
    g.values.forEach((v, si) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const py = y.map(v);
      parts.push(`<rect x="${(x0 + si * barW).toFixed(1)}" y="${py.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(H - B - py).toFixed(1)}" fill="${COLOURS[si % COLOURS.length]}"><title>${esc(`${g.label}: ${series[si]} ${v}`)}</title></rect>`);
    });
    parts.push(`<text x="${(L + gi * band + band / 2).toFixed(1)}" y="${H - B + 16}" font-size="${labelSize.toFixed(1)}" text-anchor="middle">${esc(g.label)}</text>`);
  });
  let lx = L;
  series.forEach((s, si) => {
    parts.push(`<rect x="${lx}" y="10" width="12" height="12" fill="${COLOURS[si % COLOURS.length]}"/><text x="${lx + 16}" y="20" font-size="11">${esc(s)}</text>`);
    lx += 28 + textWidth(s, 11);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.ariaLabel)}" ${FONT}>${parts.join('')}</svg>`;
}

/** Horizontal bars from 0, one row per item and one bar per series, value at the bar's end. */
export function horizontalBarChart(rows: ReadonlyArray<{ label: string; sub?: string; values: ReadonlyArray<number | null> }>, series: readonly string[], o: { unit: string; ariaLabel: string }): string {
  const all = rows.flatMap((r) => r.values).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!rows.length || !all.length) return '';
  const barH = 14, gap = 3, rowGap = 14, T = 34, B = 34, R = 16;
  const L = Math.min(220, 12 + Math.max(...rows.map((r) => Math.max(textWidth(r.label, 11), textWidth(r.sub ?? '', 10)))));
  const rowH = series.length * (barH + gap) + rowGap;
  const H = T + rows.length * rowH + B;
  const max = Math.max(...all);
  const ticks = niceTicks(0, max);
  const top = Math.max(ticks.at(-1)!, max);
  // Room at the right for the value printed after the longest bar.
  const valueRoom = textWidth(`${fmt(max)} ${o.unit}`, 10) + 8;
  const x = scale(0, top, L, W - R - valueRoom, false);
  const parts: string[] = [];
  for (const t of ticks) {
    const px = x.map(t);
    parts.push(`<line x1="${px.toFixed(1)}" y1="${T - 4}" x2="${px.toFixed(1)}" y2="${H - B}" stroke="#eaeef2"/><text x="${px.toFixed(1)}" y="${H - B + 14}" font-size="10" text-anchor="middle">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${((L + W - R - valueRoom) / 2).toFixed(1)}" y="${H - 6}" font-size="11" text-anchor="middle">${esc(o.unit)}</text>`);
  rows.forEach((r, ri) => {
    const y0 = T + ri * rowH;
    parts.push(`<text x="${L - 8}" y="${y0 + 11}" font-size="11" text-anchor="end">${esc(r.label)}</text>`);
    if (r.sub) parts.push(`<text x="${L - 8}" y="${y0 + 24}" font-size="10" text-anchor="end" fill="#57606a">${esc(r.sub)}</text>`);
    r.values.forEach((v, si) => {
      const by = y0 + si * (barH + gap);
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        parts.push(`<text x="${L + 4}" y="${by + 11}" font-size="10" fill="#57606a">${esc(series[si])}: n/a</text>`);
        return;
      }
      const w = Math.max(1, x.map(v) - L);
      parts.push(`<rect x="${L}" y="${by}" width="${w.toFixed(1)}" height="${barH}" fill="${COLOURS[si % COLOURS.length]}"><title>${esc(`${r.label}: ${series[si]} ${v} ${o.unit}`)}</title></rect>`);
      parts.push(`<text x="${(L + w + 4).toFixed(1)}" y="${by + 11}" font-size="10">${esc(`${fmt(v)} ${o.unit}`)}</text>`);
    });
  });
  parts.push(`<line x1="${L}" y1="${T - 4}" x2="${L}" y2="${H - B}" stroke="#444"/>`);
  let lx = L;
  series.forEach((s, si) => {
    parts.push(`<rect x="${lx}" y="8" width="12" height="12" fill="${COLOURS[si % COLOURS.length]}"/><text x="${lx + 16}" y="18" font-size="11">${esc(s)}</text>`);
    lx += 28 + textWidth(s, 11);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.ariaLabel)}" ${FONT}>${parts.join('')}</svg>`;
}
