import type { BankVerdict } from '../workload/bank.js';
import type { ListAppendVerdict } from '../workload/list-append-verdict.js';
import { wrap } from './wrap.js';

const LEVEL_ORDER = ['read uncommitted', 'read committed', 'repeatable read', 'snapshot', 'serializable'];

function byLevel<V>(section: unknown): Array<[string, V]> {
  if (!section || typeof section !== 'object') return [];
  return Object.entries(section as Record<string, V>).sort(([a], [b]) => LEVEL_ORDER.indexOf(a) - LEVEL_ORDER.indexOf(b));
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function anomalyText(v: ListAppendVerdict): string {
  const entries = Object.entries(v.anomalies);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ×${n}`).join(', ');
}

/** Console lines for the list-append verdicts, the bank runs and the crash cases; '' when none ran. */
export function renderWorkloadConsole(sections: Record<string, unknown>): string {
  const lines: string[] = [];
  const la = byLevel<ListAppendVerdict>(sections.listAppend);
  if (la.length > 0) {
    lines.push('List-append (Elle-style history check):');
    for (const [level, v] of la) {
      const verdict = v.forbidden.length > 0 ? `FORBIDDEN by its name: ${v.forbidden.join(', ')}` : 'as its name promises';
      // One wrapped paragraph per level: a 120-column console shows all of it, nothing cut.
      lines.push(
        ...wrap(
          `${String(v.txns).padStart(6)} txns (${v.ok} ok, ${v.failed} failed, ${v.info} unknown); anomalies: ${anomalyText(v)}; strongest model: ${v.strongestModel}; ${verdict}`,
          `  ${level.padEnd(17)} `,
          ' '.repeat(20),
        ),
      );
      if (v.forbidden.length > 0 && v.examples[0]) lines.push(...wrap(v.examples[0], '    e.g. ', '         '));
    }
  }
  const bank = byLevel<BankVerdict>(sections.bank);
  if (bank.length > 0) {
    lines.push('Bank (total must never change):');
    for (const [level, b] of bank) {
      const ok = b.reads.wrongTotal === 0 && b.reads.negative === 0 && b.finalTotal === b.expectedTotal && !b.finalNegative;
      lines.push(
        ...wrap(
          `transfers ${b.transfers.committed} committed, ${b.transfers.aborted} aborted, ${b.transfers.declined} declined; reads ${b.reads.committed} (${b.reads.wrongTotal} wrong total, ${b.reads.negative} negative); final total ${b.finalTotal}/${b.expectedTotal}: ${ok ? 'kept' : 'BROKEN'}`,
          `  ${level.padEnd(17)} `,
          ' '.repeat(20),
        ),
      );
    }
  }
  const atom = sections.atomicity as Record<string, { survivors: { users: number; orders: number } }> | undefined;
  if (atom) {
    for (const [how, o] of Object.entries(atom)) lines.push(...wrap(`Atomicity (${how} before COMMIT): ${o.survivors.users + o.survivors.orders === 0 ? 'no write survived' : `${o.survivors.users + o.survivors.orders} writes SURVIVED`}`, '', '  '));
  }
  const dur = sections.durability as { acknowledged: number; missing: number[]; inFlight: number } | undefined;
  if (dur) lines.push(...wrap(`Durability (kill -9, restart): ${dur.acknowledged} acknowledged commits, ${dur.missing.length} missing, ${dur.inFlight} in flight at the kill`, '', '  '));
  return lines.join('\n');
}

/** HTML tables for the list-append verdicts and bank runs; '' when none ran. */
export function renderWorkloadHtml(sections: Record<string, unknown>): string {
  const parts: string[] = [];
  const la = byLevel<ListAppendVerdict>(sections.listAppend);
  if (la.length > 0) {
    const rows = la
      .map(
        ([level, v]) =>
          `<tr class="${v.forbidden.length > 0 ? 'fail' : 'pass'}"><td>${esc(level)}</td><td>${v.txns}</td><td>${v.ok}</td><td>${v.failed}</td><td>${v.info}</td><td>${esc(anomalyText(v))}</td><td>${esc(v.strongestModel)}</td><td>${v.forbidden.length > 0 ? esc(`forbidden: ${v.forbidden.join(', ')}`) : 'as named'}</td><td>${v.examples.map((e) => `<div>${esc(e)}</div>`).join('')}</td></tr>`,
      )
      .join('\n');
    parts.push(
      `<h2>List-append verdicts</h2>\n<table class="list-append"><thead><tr><th>level</th><th>txns</th><th>ok</th><th>failed</th><th>unknown</th><th>anomalies</th><th>strongest model</th><th>verdict</th><th>examples</th></tr></thead>\n<tbody>\n${rows}\n</tbody></table>`,
    );
  }
  const bank = byLevel<BankVerdict>(sections.bank);
  if (bank.length > 0) {
    const rows = bank
      .map(
        ([level, b]) =>
          `<tr><td>${esc(level)}</td><td>${b.transfers.committed}</td><td>${b.transfers.aborted}</td><td>${b.reads.committed}</td><td>${b.reads.wrongTotal}</td><td>${b.reads.negative}</td><td>${b.finalTotal} / ${b.expectedTotal}</td></tr>`,
      )
      .join('\n');
    parts.push(
      `<h2>Bank</h2>\n<table class="bank"><thead><tr><th>level</th><th>transfers committed</th><th>aborted</th><th>reads</th><th>wrong totals</th><th>negative</th><th>final total</th></tr></thead>\n<tbody>\n${rows}\n</tbody></table>`,
    );
  }
  return parts.join('\n');
}
