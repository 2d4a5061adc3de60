import { describePriorities, describeSeedTier, type Report } from '../report.js';
import { STATUSES } from '../model.js';
import { escapeXml as h } from '../_internal/escape.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:2rem 0 .6rem}
.meta{color:#57606a}.cards{display:flex;gap:.6rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.4rem .8rem;min-width:5rem}
.card b{display:block;font-size:1.3rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #eaeef2;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.msg{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;max-width:50rem}
.s-pass{color:#1a7f37}.s-fail,.s-error{color:#cf222e;font-weight:600}.s-xpass{color:#8250df;font-weight:600}
.s-xfail{color:#9a6700}.s-skip,.s-n\\/a{color:#6e7781}.verdict-yes{color:#1a7f37}.verdict-no{color:#cf222e}
`;

/**
 * A single self-contained HTML file: verdict, summary, results table, and a slot
 * (`<section id="suite-sections">`) where the suite's own charts and tables go.
 */
export function renderHtml(report: Report, suiteHtml = '', redact: (s: string) => string = (s) => s): string {
  const rows = report.results
    .map(
      (r) =>
        `<tr class="row-${h(r.status)}"><td>${h(r.id)}</td><td>${h(r.priority)}</td><td>${h(r.area)}</td><td>${h(r.title)}</td>` +
        `<td class="s-${h(r.status)}">${h(r.status)}</td><td>${r.durationMs} ms</td><td class="msg">${h(r.message ?? '')}${
          r.expectation ? `\nexpected ${h(r.expectation.expect)}: ${h(r.expectation.reason)}` : ''
        }</td></tr>`,
    )
    .join('\n');
  const cards = STATUSES.map((s) => `<div class="card"><span class="s-${h(s)}">${h(s)}</span><b>${report.summary[s]}</b></div>`).join('');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${h(report.suite)} — ${report.conformant ? 'conformant' : 'not conformant'}</title><style>${CSS}</style></head>
<body>
<h1>${h(report.suite)} ${h(report.suiteVersion)}</h1>
<div class="meta">target <code>${h(report.target.dsn ?? 'embedded default')}</code> · server ${h(report.target.server ?? 'unknown')} · seed ${report.seed} · ${h(report.startedAt)} · ${(report.durationMs / 1000).toFixed(1)} s</div>
${report.cannotRun ? `<p class="cannot-run" id="cannot-run"><strong class="verdict-no">Could not run</strong>: ${h(report.cannotRun.reason)}</p>\n` : ''}<p><strong class="verdict-${report.conformant ? 'yes' : 'no'}">${report.conformant ? 'Conformant' : 'Not conformant'}</strong> · ${h(describePriorities(report))} · ${h(describeSeedTier(report))}${report.shard ? ` · shard ${report.shard.index}/${report.shard.count}` : ''}${report.interrupted ? ' · <strong>interrupted (partial report)</strong>' : ''}</p>
<div class="cards">${cards}</div>
${report.expectations.unmatched.length ? `<p>Expectation entries that matched no case: ${h(report.expectations.unmatched.join(', '))}</p>` : ''}
<section id="suite-sections">${suiteHtml}</section>
<h2>Results</h2>
<table><thead><tr><th>ID</th><th>Priority</th><th>Area</th><th>Case</th><th>Status</th><th>Time</th><th>Message</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<script type="application/json" id="report-data">${JSON.stringify(report).replace(/</g, '\\u003c')}</script>
</body></html>
`;
  return redact(html);
}
