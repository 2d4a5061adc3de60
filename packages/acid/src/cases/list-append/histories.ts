import assert from 'node:assert/strict';
import type { IsolationLevel } from '@helios-conformance/sql';
import { checkListAppend } from '../../checker/index.js';
import { defineAcidCase, requireLevel, saveHistory, sectionOf, SIZES, workloadMs, type AcidContext } from '../../_internal/case-kit.js';
import { dropAbortedValues } from '../../workload/fuzzy-reads.js';
import { listAppendVerdict, type ListAppendVerdict } from '../../workload/list-append-verdict.js';
import { runListAppend } from '../../workload/list-append.js';

const ELLE = 'https://github.com/jepsen-io/elle';

/**
 * Concurrent clients run random reads and appends at `level`; the checker infers the dependency
 * graph of the recorded history, and the case fails on any anomaly the level's name forbids.
 */
async function historyAt(ctx: AcidContext, level: IsolationLevel): Promise<void> {
  requireLevel(ctx, level);
  const size = SIZES[ctx.target.size].listAppend;
  const run = await runListAppend({
    endpoint: ctx.target.endpoint,
    level,
    clients: size.clients,
    keys: size.keys,
    txns: size.txns,
    rng: ctx.rng,
    signal: ctx.signal,
    durationMs: workloadMs(ctx, size.durationMs),
    log: (m) => ctx.log(m),
  });

  let judged = run;
  if (level === 'read uncommitted') {
    // Dirty reads of transactions that later abort are what read uncommitted allows: judge the
    // history without those values (and say how many reads had them).
    const cleaned = dropAbortedValues(run.history);
    if (cleaned.abortedReads > 0) {
      ctx.log(`${cleaned.abortedReads} committed reads saw values of transactions that later aborted (allowed at read uncommitted)`);
      ctx.metric('abortedReads', cleaned.abortedReads);
      judged = { ...run, history: cleaned.history, result: checkListAppend(cleaned.history) };
    }
  }
  const verdict = listAppendVerdict(judged);
  sectionOf<ListAppendVerdict>(ctx, 'listAppend')[level] = verdict;
  const file = await saveHistory(ctx.target, `list-append-${level.replaceAll(' ', '-')}`, run.history);
  if (file) ctx.log(`history written to ${file}`);
  for (const m of ['txns', 'ok', 'failed', 'info', 'anomalies', 'strongestModel'] as const) ctx.metric(m, verdict[m]);
  ctx.log(`${level}: ${verdict.txns} transactions (${verdict.ok} ok, ${verdict.failed} failed, ${verdict.info} unknown): ${verdict.summary}`);
  for (const e of verdict.examples) ctx.log(`  ${e}`);

  assert.ok(verdict.ok > 0, `no transaction committed at ${level} (${verdict.txns} attempted; errors: ${JSON.stringify(verdict.errors)}): nothing to judge`);
  assert.ok(
    verdict.forbidden.length === 0,
    `${level} showed anomalies its name forbids: ${verdict.forbidden.map((a) => `${a} ×${verdict.anomalies[a] ?? 0}`).join(', ')}; ` +
      `the history is consistent with ${verdict.strongestModel} at most. For example: ${verdict.examples[0] ?? ''}`,
  );
}

/** AC-100: read uncommitted. */
export const listAppendReadUncommitted = defineAcidCase({
  id: 'AC-100',
  title: 'list-append at read uncommitted: no dirty write (G0) and no impossible read',
  priority: 'p2',
  area: 'list-append',
  spec: ELLE,
  since: '0.1.0',
  timeoutMs: 300_000,
  run: (ctx) => historyAt(ctx, 'read uncommitted'),
});

/** AC-101: read committed. */
export const listAppendReadCommitted = defineAcidCase({
  id: 'AC-101',
  title: 'list-append at read committed: no G0, aborted read, intermediate read or circular information flow',
  priority: 'p1',
  area: 'list-append',
  spec: ELLE,
  since: '0.1.0',
  timeoutMs: 300_000,
  run: (ctx) => historyAt(ctx, 'read committed'),
});

/** AC-102: repeatable read. */
export const listAppendRepeatableRead = defineAcidCase({
  id: 'AC-102',
  title: 'list-append at repeatable read: no G-single, lost update or G2-item either',
  priority: 'p1',
  area: 'list-append',
  spec: ELLE,
  since: '0.1.0',
  timeoutMs: 300_000,
  run: (ctx) => historyAt(ctx, 'repeatable read'),
});

/** AC-103: a separate snapshot level. */
export const listAppendSnapshot = defineAcidCase({
  id: 'AC-103',
  title: 'list-append at snapshot isolation: no G-single or lost update (write skew allowed)',
  priority: 'p1',
  area: 'list-append',
  spec: ELLE,
  since: '0.1.0',
  timeoutMs: 300_000,
  run: (ctx) => historyAt(ctx, 'snapshot'),
});

/** AC-104: serializable (P0): no anomaly at all. */
export const listAppendSerializable = defineAcidCase({
  id: 'AC-104',
  title: 'list-append at serializable: the checker finds no dependency cycle and no anomaly at all',
  priority: 'p0',
  area: 'list-append',
  spec: ELLE,
  since: '0.1.0',
  timeoutMs: 300_000,
  run: (ctx) => historyAt(ctx, 'serializable'),
});
