import { ISOLATION_LEVELS, type IsolationLevel } from '@helios-conformance/sql';
import { CONSOLE_WIDTH, wrap } from '../_internal/wrap.js';
import { ANOMALIES, ANOMALY_IDS } from './anomalies.js';
import type { AnomalyId, IsolationSection, MatrixOutcome, MatrixTiming } from './types.js';

/** One cell as the section stores it. */
interface Cell {
  outcome: MatrixOutcome;
  how: string;
  variants?: Record<string, { outcome: MatrixOutcome; how: string }>;
}

function sectionOf(sections: Readonly<Record<string, unknown>> | undefined): IsolationSection | undefined {
  const s = sections?.isolation as IsolationSection | undefined;
  return s && typeof s === 'object' && s.matrix ? s : undefined;
}

function levelsOf(s: IsolationSection): IsolationLevel[] {
  return ISOLATION_LEVELS.filter((l) => s.matrix[l] !== undefined || s.levels[l] !== undefined);
}

/**
 * How a cell reads against the level's promise: an allowed anomaly is `broken` when every
 * implementation of the level must prevent it (the judgement's p0), `weaker` when the level's
 * name promises to prevent it (p1), and `permitted` when the level does not promise it at all
 * (dirty reads at read uncommitted, write skew at snapshot): that is the level working as named.
 */
export type CellKind = 'prevented' | 'permitted' | 'weaker' | 'broken' | 'inconclusive' | 'not run';

/** The anomaly of a judgement label: `PMP (read predicate)` → `PMP`. */
const anomalyOfLabel = (label: string): string => label.split(' (')[0]!;

function kindOf(s: IsolationSection, level: IsolationLevel, a: AnomalyId): CellKind {
  const c = s.matrix[level]?.[a];
  if (!c) return 'not run';
  if (c.outcome === 'prevented') return 'prevented';
  if (c.outcome === 'inconclusive') return 'inconclusive';
  const j = s.levels[level];
  if (j?.p0.some((l) => anomalyOfLabel(l) === a)) return 'broken';
  if (j?.p1.some((l) => anomalyOfLabel(l) === a)) return 'weaker';
  // Without a judgement (an old or hand-made section) an allowed cell is not called harmless.
  return j ? 'permitted' : 'weaker';
}

/** The whole observation of a cell: its variants' hows when they differ, else its how. */
function fullHow(c: Cell): string {
  const vs = c.variants ? Object.entries(c.variants) : [];
  return vs.length > 1 ? vs.map(([name, v]) => `${name}: ${v.outcome === c.outcome ? '' : `${v.outcome}, `}${v.how}`).join('; ') : c.how;
}

/** Console words per kind: at most 6 characters, so a cell with its note number fits 9 columns. */
const WORD: Record<CellKind, string> = { prevented: 'prev', permitted: 'allow', weaker: 'WEAKER', broken: 'BROKEN', inconclusive: 'inconc', 'not run': '–' };

/**
 * The observed isolation matrix for a 120-column console: rows = levels, columns = anomalies,
 * each cell a short word and a note number; the notes below the table say what was seen, in
 * full and word-wrapped (never cut). Then each level's verdict. Empty when there is no matrix.
 */
export function renderMatrixConsole(sections: Readonly<Record<string, unknown>> | undefined): string {
  const s = sectionOf(sections);
  if (!s) return '';
  const levels = levelsOf(s);
  if (levels.length === 0) return '';
  const L = Math.max(16, ...levels.map((l) => l.length));
  const W = Math.min(9, Math.floor((CONSOLE_WIDTH - L) / ANOMALY_IDS.length) - 1);
  const notes: string[] = [];
  const noteOf = (text: string): number => {
    const i = notes.indexOf(text);
    return i >= 0 ? i + 1 : notes.push(text);
  };
  const lines: string[] = ['Isolation matrix (observed; Hermitage scripts, Adya anomalies)'];
  const header = ['level'.padEnd(L), ...ANOMALY_IDS.map((a) => a.padEnd(W))].join(' ').trimEnd();
  lines.push(header, [L, ...ANOMALY_IDS.map(() => W)].map((w) => '-'.repeat(w)).join(' '));
  for (const l of levels) {
    const row = s.matrix[l] ?? {};
    const cells = ANOMALY_IDS.map((a) => {
      const c = row[a];
      const word = WORD[kindOf(s, l, a)];
      return (c ? `${word} ${noteOf(fullHow(c))}` : word).padEnd(W);
    });
    lines.push([l.padEnd(L), ...cells].join(' ').trimEnd());
  }
  lines.push(
    ...wrap(
      'prev = prevented; allow = allowed, and the level does not promise to prevent it; WEAKER = allowed although the level’s name promises to prevent it; ' +
        'BROKEN = allowed although every implementation of the level must prevent it; inconc = the script could not be carried out; – = not run. ' +
        'The number is the note that says what was seen.',
    ),
    ...(s.timing ? wrap(timingSentence(s.timing)) : []),
    '',
    'Notes:',
  );
  const nw = String(notes.length).length;
  notes.forEach((n, i) => lines.push(...wrap(n, `  ${String(i + 1).padStart(nw)}. `, ' '.repeat(nw + 4))));
  lines.push('');
  for (const l of levels) {
    const j = s.levels[l];
    if (!j) continue;
    const extra = [
      j.p0.length ? `must prevent but allowed: ${j.p0.join(', ')}` : '',
      j.p1.length ? `its name promises but allowed: ${j.p1.join(', ')}` : '',
      j.inconclusive.length ? `not observed: ${j.inconclusive.join(', ')}` : '',
    ].filter(Boolean);
    lines.push(...wrap(`${j.verdict.toUpperCase()}; behaves as ${j.behavesAs}${extra.length ? ` — ${extra.join('; ')}` : ''}`, `${l.padEnd(L)} `, ' '.repeat(L + 3)));
  }
  return lines.join('\n');
}

/** What "blocked" meant in this run, in one sentence (empty for reports that did not record it). */
export function timingSentence(t: MatrixTiming | undefined): string {
  if (!t) return '';
  return (
    `Blocked = a statement had not answered after ${t.blockedAfterMs} ms. After a COMMIT, ROLLBACK or error, blocked statements had ${t.settleMs} ms to answer ` +
    `before the script went on; one still waiting ${t.hungAfterMs} ms after it started was hung (its session killed, the cell inconclusive). ` +
    `A hop (proxy, pooler, slow link) that adds well under ${t.settleMs} ms to a round trip cannot change a cell.`
  );
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Cell colours: green prevented, amber allowed-as-named, red weaker than its name, dark red broken. */
const STYLE = `<style>
.isolation-matrix td.k-prevented{background:#e3f5e1;color:#1d5e1a}
.isolation-matrix td.k-permitted{background:#fff4d6;color:#6b4a00}
.isolation-matrix td.k-weaker{background:#fde2e1;color:#8a1c17;font-weight:600}
.isolation-matrix td.k-broken{background:#a40e26;color:#fff;font-weight:700}
.isolation-matrix td.k-inconclusive{background:#eceff1;color:#444}
.isolation-matrix td.k-not-run{background:#fafafa;color:#888}
.isolation-matrix td small,.isolation-matrix th small{display:block;font-weight:400;font-size:11px;line-height:1.3}
.isolation-matrix table th:first-child{width:24%}
.isolation-matrix .legend span.sw{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin-right:.3em;border:1px solid #0002}
.isolation-matrix .legend li{list-style:none;margin:.15rem 0}.isolation-matrix .legend{padding:0}
</style>`;

const CELL_TEXT: Record<CellKind, string> = {
  prevented: 'prevented',
  permitted: 'allowed, as the level permits',
  weaker: 'ALLOWED, weaker than its name',
  broken: 'ALLOWED, broken: must prevent',
  inconclusive: 'inconclusive',
  'not run': 'not run',
};

const LEGEND: ReadonlyArray<[CellKind, string, string]> = [
  ['prevented', '#e3f5e1', 'prevented: the script ran and the anomaly did not happen (blocked = a statement waited for another transaction; aborted (code) = the server refused with that error; no effect = the reads simply did not show it)'],
  ['permitted', '#fff4d6', 'allowed, as the level permits: the anomaly happened and the level’s name does not promise to prevent it (for example write skew at snapshot isolation)'],
  ['weaker', '#fde2e1', 'ALLOWED, weaker than its name: the level’s ANSI name promises to prevent it, this engine does not (P1)'],
  ['broken', '#a40e26', 'ALLOWED, broken: every implementation of the level must prevent it (P0)'],
  ['inconclusive', '#eceff1', 'inconclusive: the script could not be carried out'],
  ['not run', '#fafafa', 'not run in this report'],
];

/**
 * The observed isolation matrix as an HTML fragment: rows = anomalies, columns = levels (so it
 * fits a narrow screen), each cell coloured by what it means for the level's promise, a legend,
 * and the level verdicts. Every value is escaped. Empty when the sections hold no matrix.
 */
export function renderMatrixHtml(sections: Readonly<Record<string, unknown>> | undefined): string {
  const s = sectionOf(sections);
  if (!s) return '';
  const levels = levelsOf(s);
  if (levels.length === 0) return '';
  const title = new Map(ANOMALIES.map((a) => [a.id, a.title.replace(/^\S+\s*/, '')]));
  const head = `<tr><th>anomaly</th>${levels.map((l) => `<th>${esc(l)}</th>`).join('')}</tr>`;
  const body = ANOMALY_IDS.map((a) => {
    const cells = levels
      .map((l) => {
        const c = s.matrix[l]?.[a];
        const k = kindOf(s, l, a);
        return `<td class="k-${k.replace(' ', '-')}" data-kind="${k}" title="${esc(c ? fullHow(c) : 'not run')}">${esc(CELL_TEXT[k])}${c ? `<small>${esc(fullHow(c))}</small>` : ''}</td>`;
      })
      .join('');
    return `<tr><th>${esc(a)}<small>${esc(title.get(a) ?? '')}</small></th>${cells}</tr>`;
  }).join('\n');
  const verdicts = levels
    .map((l) => {
      const j = s.levels[l];
      if (!j) return '';
      return `<li><b>${esc(l)}</b>: ${esc(j.verdict)} — behaves as ${esc(j.behavesAs)}${j.p0.length ? `; must prevent but allowed: ${esc(j.p0.join(', '))}` : ''}${j.p1.length ? `; its name promises but allowed: ${esc(j.p1.join(', '))}` : ''}${j.inconclusive.length ? `; not observed: ${esc(j.inconclusive.join(', '))}` : ''}</li>`;
    })
    .join('');
  const legend = `<ul class="legend">${LEGEND.map(([k, colour, text]) => `<li data-kind="${k}"><span class="sw" style="background:${colour}"></span>${esc(text)}</li>`).join('')}</ul>`;
  const note =
    '<p><small>Anomalies after Adya (G0 dirty write, G1a aborted read, G1b intermediate read, G1c circular information flow, OTV observed transaction vanishes, PMP predicate-many-preceders, P4 lost update, G-single read skew, G2-item write skew, G2 anti-dependency cycles), scripted as in Hermitage.</small></p>';
  const timing = s.timing ? `<p class="timing">${esc(timingSentence(s.timing))}</p>` : '';
  return `<section class="isolation-matrix">${STYLE}<h2>Isolation matrix</h2>\n${legend}\n${timing}<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>\n<h3>Level verdicts</h3><ul>${verdicts}</ul>\n${note}</section>`;
}
