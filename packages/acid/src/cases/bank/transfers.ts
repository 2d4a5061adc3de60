import assert from 'node:assert/strict';
import type { IsolationLevel } from '@helios-conformance/sql';
import { defineAcidCase, requireLevel, sectionOf, SIZES, workloadMs, type AcidContext } from '../../_internal/case-kit.js';
import { runBank, type BankVerdict } from '../../workload/bank.js';

/**
 * Concurrent read-modify-write transfers and whole-table balance reads at `level`: every
 * committed read and the final state hold the same total, and no balance goes negative.
 */
async function transfersAt(ctx: AcidContext, level: IsolationLevel): Promise<void> {
  requireLevel(ctx, level);
  const size = SIZES[ctx.target.size].bank;
  const run = await runBank({
    endpoint: ctx.target.endpoint,
    level,
    accounts: size.accounts,
    initialBalance: size.initialBalance,
    clients: size.clients,
    txns: size.txns,
    durationMs: workloadMs(ctx, size.durationMs),
    rng: ctx.rng,
    signal: ctx.signal,
    log: (m) => ctx.log(m),
  });
  const finalNegative = run.finalBalances.some((b) => b < 0);
  sectionOf<BankVerdict>(ctx, 'bank')[level] = { ...run, finalNegative };
  ctx.metric('transfers', run.transfers);
  ctx.metric('reads', run.reads);
  ctx.metric('finalTotal', run.finalTotal);
  ctx.log(`${level}: transfers ${JSON.stringify(run.transfers)}, reads ${JSON.stringify(run.reads)}, total ${run.finalTotal} (expected ${run.expectedTotal})`);

  // Every broken invariant in one message: together they say how the money went wrong.
  const problems: string[] = [];
  if (run.reads.wrongTotal > 0) {
    const ex = run.badReads.find((b) => b.total !== run.expectedTotal);
    problems.push(`${run.reads.wrongTotal} of ${run.reads.committed} committed balance reads saw a total other than ${run.expectedTotal} (e.g. ${ex?.total} from [${ex?.balances.join(', ')}])`);
  }
  if (run.reads.negative > 0) problems.push(`${run.reads.negative} committed reads saw a negative balance although every transfer refuses overdrafts`);
  if (run.finalTotal !== run.expectedTotal) problems.push(`after the run the accounts hold ${run.finalTotal}, not ${run.expectedTotal}: money was made or lost`);
  if (finalNegative) problems.push(`after the run an account is negative: [${run.finalBalances.join(', ')}]`);
  assert.ok(problems.length === 0, `bank at ${level}: ${problems.join('; ')}`);
  assert.ok(run.transfers.committed > 0, `bank at ${level}: no transfer committed (${JSON.stringify(run.transfers)}, errors ${JSON.stringify(run.errors)}): nothing to judge`);
}

/** AC-110: serializable keeps the bank's total. */
export const bankSerializable = defineAcidCase({
  id: 'AC-110',
  title: 'bank at serializable: concurrent transfers keep the total, and no balance goes negative',
  priority: 'p0',
  area: 'bank',
  spec: 'https://github.com/jepsen-io/jepsen/blob/main/jepsen/src/jepsen/tests/bank.clj',
  since: '0.1.0',
  timeoutMs: 180_000,
  run: (ctx) => transfersAt(ctx, 'serializable'),
});

/** AC-111: repeatable read loses no update (P2: InnoDB's does). */
export const bankRepeatableRead = defineAcidCase({
  id: 'AC-111',
  title: 'bank at repeatable read: read-modify-write transfers lose no update (no lost money)',
  priority: 'p2',
  area: 'bank',
  spec: 'https://arxiv.org/abs/cs/0701157',
  since: '0.1.0',
  timeoutMs: 180_000,
  run: (ctx) => transfersAt(ctx, 'repeatable read'),
});
