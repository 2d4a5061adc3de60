import { ISOLATION_LEVELS, type IsolationLevel } from '@helios-conformance/sql';
import { ANOMALY_IDS } from './anomalies.js';
import type { IsolationSection, MatrixOutcome } from './types.js';

function sectionOf(sections: Readonly<Record<string, unknown>> | undefined): IsolationSection | undefined {
  const s = sections?.isolation as IsolationSection | undefined;
  return s && typeof s === 'object' && s.matrix ? s : undefined;
}

function levelsOf(s: IsolationSection): IsolationLevel[] {
  return ISOLATION_LEVELS.filter((l) => s.matrix[l] !== undefined || s.levels[l] !== undefined);
}

/** `blocked, then aborted (40001)` → `blocked, 40001`: the table cell's short form. */
function shortHow(how: string): string {
  return how.replace(/, then aborted \(([^)]*)\)/, ', $1').replace(/^aborted \(([^)]*)\)/, 'aborted $1');
}

/** Cell text: `prevented (blocked)`, `ALLOWED`, `inconclusive`, `–` when not run. */
function cellText(c: { outcome: MatrixOutcome; how: string; variants?: Record<string, { how: string }> } | undefined): string {
  if (!c) return '–';
  if (c.outcome === 'allowed') return 'ALLOWED';
  if (c.outcome === 'inconclusive') return 'inconclusive';
  const parts = c.variants && Object.keys(c.variants).length > 1 ? Object.values(c.variants).map((v) => v.how) : [c.how];
  return `prevented (${[...new Set(parts.map(shortHow))].join('/')})`;
}

const clip = (s: string, w: number): string => (s.length > w ? `${s.slice(0, w - 1)}…` : s);

/**
 * The observed isolation matrix as a fixed-width table (rows = levels, columns = anomalies),
 * followed by each level's verdict and, for every allowed anomaly, what was seen. Empty when
 * the sections hold no matrix.
 */
export function renderMatrixConsole(sections: Readonly<Record<string, unknown>> | undefined): string {
  const s = sectionOf(sections);
  if (!s) return '';
  const levels = levelsOf(s);
  if (levels.length === 0) return '';
  const W = 27;
  const L = Math.max(16, ...levels.map((l) => l.length));
  const lines: string[] = ['Isolation matrix (observed; Hermitage scripts, Adya anomalies)'];
  const header = ['level'.padEnd(L), ...ANOMALY_IDS.map((a) => a.padEnd(W))].join(' ');
  lines.push(header.trimEnd(), '-'.repeat(header.trimEnd().length));
  for (const l of levels) {
    const row = s.matrix[l] ?? {};
    lines.push([l.padEnd(L), ...ANOMALY_IDS.map((a) => clip(cellText(row[a]), W).padEnd(W))].join(' ').trimEnd());
  }
  lines.push('');
  for (const l of levels) {
    const j = s.levels[l];
    if (!j) continue;
    const extra = [
      j.p0.length ? `must prevent but allowed: ${j.p0.join(', ')}` : '',
      j.p1.length ? `its name promises but allowed: ${j.p1.join(', ')}` : '',
      j.inconclusive.length ? `not observed: ${j.inconclusive.join(', ')}` : '',
    ].filter(Boolean);
    lines.push(`${l.padEnd(L)} ${j.verdict.toUpperCase()}; behaves as ${j.behavesAs}${extra.length ? ` — ${extra.join('; ')}` : ''}`);
  }
  const allowed: string[] = [];
  for (const l of levels) {
    for (const a of ANOMALY_IDS) {
      const c = s.matrix[l]?.[a];
      if (c && c.outcome !== 'prevented') allowed.push(`  ${l} × ${a}: ${c.outcome === 'allowed' ? '' : 'inconclusive: '}${c.how}`);
    }
  }
  if (allowed.length) lines.push('', 'What was seen where an anomaly was not prevented:', ...allowed);
  return lines.join('\n');
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The observed isolation matrix as an HTML fragment (a table with a legend and the level
 * verdicts); every value is escaped. Empty when the sections hold no matrix.
 */
export function renderMatrixHtml(sections: Readonly<Record<string, unknown>> | undefined): string {
  const s = sectionOf(sections);
  if (!s) return '';
  const levels = levelsOf(s);
  if (levels.length === 0) return '';
  const style = (o: MatrixOutcome | undefined): string =>
    o === 'allowed' ? 'background:#fde2e1;color:#8a1c17' : o === 'prevented' ? 'background:#e3f5e1;color:#1d5e1a' : 'background:#f3f3f3;color:#555';
  const head = `<tr><th>level</th>${ANOMALY_IDS.map((a) => `<th>${esc(a)}</th>`).join('')}<th>verdict</th></tr>`;
  const body = levels
    .map((l) => {
      const row = s.matrix[l] ?? {};
      const j = s.levels[l];
      const cells = ANOMALY_IDS.map((a) => {
        const c = row[a];
        const text = !c ? '–' : c.outcome === 'allowed' ? 'ALLOWED' : c.outcome;
        return `<td style="${style(c?.outcome)}" title="${esc(c?.how ?? 'not run')}">${esc(text)}${c ? `<br><small>${esc(c.how)}</small>` : ''}</td>`;
      }).join('');
      const verdict = j
        ? `${esc(j.verdict)}<br><small>behaves as ${esc(j.behavesAs)}${j.p0.length ? `; must prevent: ${esc(j.p0.join(', '))}` : ''}${j.p1.length ? `; name promises: ${esc(j.p1.join(', '))}` : ''}</small>`
        : '';
      return `<tr><th>${esc(l)}</th>${cells}<td>${verdict}</td></tr>`;
    })
    .join('\n');
  const legend =
    '<p class="legend"><b>prevented</b>: the script ran and the anomaly did not happen (how: blocked = a statement waited for another transaction; aborted (code) = the server refused with that error; no effect = the reads simply did not show it). ' +
    '<b>ALLOWED</b>: the anomaly was observed. <b>inconclusive</b>: the script could not be carried out. ' +
    'Anomalies after Adya (G0 dirty write, G1a aborted read, G1b intermediate read, G1c circular information flow, OTV observed transaction vanishes, PMP predicate-many-preceders, P4 lost update, G-single read skew, G2-item write skew, G2 anti-dependency cycles), scripted as in Hermitage.</p>';
  return `<section class="isolation-matrix"><h2>Isolation matrix</h2>\n<table>\n${head}\n${body}\n</table>\n${legend}</section>`;
}
