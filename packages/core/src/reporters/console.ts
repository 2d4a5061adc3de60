import type { RunEvent } from '../runner.js';
import { describePriorities, describeSeedTier, type Report } from '../report.js';
import type { Status } from '../model.js';
import { STATUSES } from '../model.js';

/** Where console output goes. */
export interface ConsoleIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Live progress (redrawn status line) only on a terminal. */
  isTTY: boolean;
  color?: boolean;
  /** Redacts every line before it is written. */
  redact?: (s: string) => string;
}

const LABEL: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', xfail: 'XFAIL', xpass: 'XPASS', skip: 'SKIP', 'n/a': 'N/A', error: 'ERROR' };
const COLOR: Record<Status, number> = { pass: 32, fail: 31, xfail: 33, xpass: 35, skip: 90, 'n/a': 90, error: 31 };

function fmtMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Console reporter: on a TTY a live status line (case count, current case, elapsed) on stderr;
 * otherwise one plain line per case on stdout. Returns the event handler and a summary printer.
 */
export function createConsoleReporter(io: ConsoleIO): { onEvent(e: RunEvent): void; printSummary(report: Report, extra?: string): void; dispose(): void } {
  const red = io.redact ?? ((s: string) => s);
  const out = (s: string): void => void io.stdout.write(red(s));
  const err = (s: string): void => void io.stderr.write(red(s));
  const paint = (st: Status, s: string): string => (io.color ? `\x1b[${COLOR[st]}m${s}\x1b[0m` : s);
  const t0 = Date.now();
  let current: { index: number; total: number; id: string; title: string } | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let statusShown = false;

  const drawStatus = (): void => {
    if (!io.isTTY || !current) return;
    const elapsed = ((Date.now() - t0) / 1000).toFixed(1);
    const line = `[${String(current.index + 1).padStart(String(current.total).length)}/${current.total}] ${current.id} ${current.title}`;
    err(`\r\x1b[2K${line.slice(0, 100)} · ${elapsed}s`);
    statusShown = true;
  };
  const clearStatus = (): void => {
    if (io.isTTY && statusShown) err('\r\x1b[2K');
    statusShown = false;
  };

  return {
    onEvent(e) {
      switch (e.type) {
        case 'start':
          out(`${e.suite} ${e.version} — target: ${e.target} — ${e.total} cases, seed ${e.seed}\n`);
          if (io.isTTY) {
            ticker = setInterval(drawStatus, 200);
            ticker.unref();
          }
          break;
        case 'note':
          clearStatus();
          out(`  ${e.message}\n`);
          break;
        case 'open':
          out(`server: ${e.server ?? 'unknown'}${e.capabilities.length ? ` — capabilities: ${e.capabilities.join(', ')}` : ''}\n`);
          break;
        case 'case-start':
          current = e;
          drawStatus();
          break;
        case 'case-end': {
          clearStatus();
          const r = e.result;
          const n = `${String(e.index + 1).padStart(String(e.total).length)}/${e.total}`;
          out(`${paint(r.status, LABEL[r.status].padEnd(5))} ${n} ${r.id} ${r.title} (${fmtMs(r.durationMs)})\n`);
          if (r.message && r.status !== 'pass') out(`      ${r.message.split('\n').join('\n      ')}\n`);
          break;
        }
        case 'end':
          clearStatus();
          clearInterval(ticker);
          break;
      }
    },
    printSummary(report, extra) {
      clearStatus();
      const rows = STATUSES.filter((s) => report.summary[s] > 0 || s === 'pass' || s === 'fail');
      out('\n');
      out(`  ${'status'.padEnd(7)} count\n`);
      for (const s of rows) out(`  ${paint(s, LABEL[s].padEnd(7))} ${String(report.summary[s]).padStart(5)}\n`);
      const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'error' || r.status === 'xpass');
      if (bad.length) {
        out('\n  not conformant because of:\n');
        for (const r of bad) out(`    ${LABEL[r.status]} ${r.id} ${r.title}: ${(r.message ?? '').split('\n')[0]}\n`);
      }
      if (report.expectations.unmatched.length) {
        out(`\n  expectation entries that matched no case: ${report.expectations.unmatched.join(', ')}\n`);
      }
      if (extra) out(`\n${extra.endsWith('\n') ? extra : extra + '\n'}`);
      out(
        `\n${report.interrupted ? 'INTERRUPTED — partial report. ' : ''}conformant: ${report.conformant ? 'yes' : 'no'} — ${describePriorities(report)} — ${describeSeedTier(report)} — ${fmtMs(report.durationMs)} — seed ${report.seed}\n`,
      );
    },
    dispose() {
      clearInterval(ticker);
    },
  };
}
