import { defineCase, type Case, type CaseContext } from '@helios-conformance/core';
import type { IsolationLevel } from '../session/types.js';
import type { AcidTarget } from '../target.js';
import { runBank, type BankRun } from '../workload/bank.js';
import { SIZES } from './_internal/sizes.js';

/** What the report's `sections.bank[level]` holds: the run's counts and invariant checks. */
export type BankVerdict = Omit<BankRun, 'finalBalances'> & { finalBalances: number[]; finalNegative: boolean };

async function runCase(ctx: CaseContext<AcidTarget>, level: IsolationLevel): Promise<void> {
  const t = ctx.target;
  if (!t.endpoint.levels.includes(level)) ctx.notApplicable(`the endpoint does not accept isolation level ${level}`);
  const size = SIZES[t.size].bank;
  const run = await runBank({
    endpoint: t.endpoint,
    level,
    accounts: size.accounts,
    initialBalance: size.initialBalance,
    clients: size.clients,
    txns: size.txns,
    durationMs: Math.max(1_000, Math.min(size.durationMs, ctx.remainingMs() - 15_000)),
    rng: ctx.rng,
    signal: ctx.signal,
    log: (m) => ctx.log(m),
  });
  const finalNegative = run.finalBalances.some((b) => b < 0);
  const section = (t.sections.bank ??= {}) as Record<string, BankVerdict>;
  section[level] = { ...run, finalNegative };
  ctx.metric('transfers', run.transfers);
  ctx.metric('reads', run.reads);
  ctx.metric('finalTotal', run.finalTotal);
  ctx.log(
    `${level}: transfers ${JSON.stringify(run.transfers)}, reads ${JSON.stringify(run.reads)}, total ${run.finalTotal} (expected ${run.expectedTotal})`,
  );
  const problems: string[] = [];
  if (run.reads.wrongTotal > 0) {
    const ex = run.badReads.find((b) => b.total !== run.expectedTotal);
    problems.push(`${run.reads.wrongTotal} of ${run.reads.committed} committed balance reads saw a total other than ${run.expectedTotal} (e.g. ${ex?.total} from [${ex?.balances.join(', ')}])`);
  }
  if (run.reads.negative > 0) problems.push(`${run.reads.negative} committed reads saw a negative balance although every transfer refuses overdrafts`);
  if (run.finalTotal !== run.expectedTotal) problems.push(`after the run the accounts hold ${run.finalTotal}, not ${run.expectedTotal}: money was made or lost`);
  if (finalNegative) problems.push(`after the run an account is negative: [${run.finalBalances.join(', ')}]`);
  if (problems.length > 0) ctx.fail(`bank at ${level}: ${problems.join('; ')}`);
  if (run.transfers.committed === 0) ctx.fail(`bank at ${level}: no transfer committed (${JSON.stringify(run.transfers)}, errors ${JSON.stringify(run.errors)}): nothing to judge`);
}

/** The bank cases: concurrent transfers and whole-table reads; money is never made or lost. */
export const bankCases: readonly Case<AcidTarget>[] = [
  defineCase<AcidTarget>({
    id: 'AC-110',
    title: 'bank at serializable: concurrent transfers keep the total, and no balance goes negative',
    priority: 'p0',
    area: 'bank',
    spec: 'https://github.com/jepsen-io/jepsen/blob/main/jepsen/src/jepsen/tests/bank.clj',
    since: '0.1.0',
    timeoutMs: 180_000,
    run: (ctx) => runCase(ctx, 'serializable'),
  }),
  defineCase<AcidTarget>({
    id: 'AC-111',
    title: 'bank at repeatable read: read-modify-write transfers lose no update (no lost money)',
    priority: 'p2',
    area: 'bank',
    spec: 'https://arxiv.org/abs/cs/0701157',
    since: '0.1.0',
    timeoutMs: 180_000,
    run: (ctx) => runCase(ctx, 'repeatable read'),
  }),
];
