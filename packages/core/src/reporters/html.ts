import { describePriorities, describeSeedTier, type Report } from '../report.js';
import { STATUSES } from '../model.js';
import { escapeXml as h } from '../_internal/escape.js';

// Narrow screens first: nothing may make the page scroll sideways at 700 px. Long tokens
// (DSNs, SQL, IDs in messages) break anywhere; tables are fixed-layout so they wrap instead of
// growing; suite charts (inline SVG) scale down to the column width.
const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff;overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:2rem 0 .6rem}h3{font-size:1rem;margin:1.5rem 0 .5rem}
.meta{color:#57606a}.cards{display:flex;gap:.6rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.4rem .8rem;min-width:5rem}
.card b{display:block;font-size:1.3rem}
table{border-collapse:collapse;width:100%;table-layout:fixed}th,td{border-bottom:1px solid #eaeef2;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
table.results col.c-status{width:5.5rem}table.results col.c-id{width:7.5rem}table.results col.c-time{width:5rem}
.msg{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;margin:.3rem 0 0}
.sub{color:#57606a;font-size:12px}
.s-pass{color:#1a7f37}.s-fail,.s-error{color:#cf222e;font-weight:600}.s-xpass{color:#8250df;font-weight:600}
.s-xfail{color:#9a6700}.s-skip,.s-n\\/a{color:#6e7781}.verdict-yes{color:#1a7f37}.verdict-no{color:#cf222e}
tr.row-fail,tr.row-error{background:#fff5f5}tr.row-xpass{background:#fbf7ff}
#what-failed{border:1px solid #ffcecb;background:#fff8f7;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
#what-failed h2{margin:0 0 .4rem;color:#cf222e}#what-failed ul{margin:0;padding-left:1.2rem}
svg{max-width:100%;height:auto;display:block}
`;

/** Unexpected outcomes first, in this order; everything else after them in catalog order. */
const FIRST: readonly string[] = ['fail', 'error', 'xpass'];
const rank = (status: string): number => (FIRST.includes(status) ? FIRST.indexOf(status) : FIRST.length);

/**
 * A single self-contained HTML file: verdict, summary, a "what failed" list at the top, the
 * suite's own charts and tables (`<section id="suite-sections">`), then every result with the
 * failing ones first. Laid out to be read on a 700 px screen without sideways scrolling.
 */
export function renderHtml(report: Report, suiteHtml = '', redact: (s: string) => string = (s) => s): string {
  const ordered = report.results.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r.status) - rank(b.r.status) || a.i - b.i).map((x) => x.r);
  const anchor = (id: string): string => `case-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const rows = ordered
    .map(
      (r) =>
        `<tr class="row-${h(r.status)}" id="${h(anchor(r.id))}"><td class="s-${h(r.status)}">${h(r.status)}</td><td>${h(r.id)}<div class="sub">${h(r.priority)} · ${h(r.area)}</div></td>` +
        `<td>${h(r.title)}${r.message || r.expectation ? `<div class="msg">${h(r.message ?? '')}${r.expectation ? `${r.message ? '\n' : ''}expected ${h(r.expectation.expect)}: ${h(r.expectation.reason)}` : ''}</div>` : ''}</td><td>${r.durationMs} ms</td></tr>`,
    )
    .join('\n');
  const failed = ordered.filter((r) => FIRST.includes(r.status));
  const whatFailed = failed.length
    ? `<section id="what-failed"><h2>What failed (${failed.length})</h2><ul>${failed
        .map((r) => `<li><span class="s-${h(r.status)}">${h(r.status)}</span> <a href="#${h(anchor(r.id))}">${h(r.id)}</a> ${h(r.title)}${r.message ? `<div class="sub">${h(r.message.split('\n')[0]!)}</div>` : ''}</li>`)
        .join('')}</ul></section>`
    : '';
  const cards = STATUSES.map((s) => `<div class="card"><span class="s-${h(s)}">${h(s)}</span><b>${report.summary[s]}</b></div>`).join('');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${h(report.suite)} — ${report.conformant ? 'conformant' : 'not conformant'}</title><style>${CSS}</style></head>
<body>
<h1>${h(report.suite)} ${h(report.suiteVersion)}</h1>
<div class="meta">target <code>${h(report.target.dsn ?? 'embedded default')}</code> · server ${h(report.target.server ?? 'unknown')} · seed ${report.seed} · ${h(report.startedAt)} · ${(report.durationMs / 1000).toFixed(1)} s</div>
${report.cannotRun ? `<p class="cannot-run" id="cannot-run"><strong class="verdict-no">Could not run</strong>: ${h(report.cannotRun.reason)}</p>\n` : ''}<p><strong class="verdict-${report.conformant ? 'yes' : 'no'}">${report.conformant ? 'Conformant' : 'Not conformant'}</strong> · ${h(describePriorities(report))} · ${h(describeSeedTier(report))}${report.shard ? ` · shard ${report.shard.index}/${report.shard.count}` : ''}${report.interrupted ? ' · <strong>interrupted (partial report)</strong>' : ''}</p>
<div class="cards">${cards}</div>
${whatFailed}
${report.expectations.unmatched.length ? `<p>Expectation entries that matched no case: ${h(report.expectations.unmatched.join(', '))}</p>` : ''}
<section id="suite-sections">${suiteHtml}</section>
<h2>Results${failed.length ? ' (failing first)' : ''}</h2>
<table class="results"><colgroup><col class="c-status"><col class="c-id"><col><col class="c-time"></colgroup>
<thead><tr><th>Status</th><th>ID</th><th>Case</th><th>Time</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<script type="application/json" id="report-data">${JSON.stringify(report).replace(/</g, '\\u003c')}</script>
</body></html>
`;
  return redact(html);
}
