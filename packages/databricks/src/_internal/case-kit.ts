import { defineCase, type Case, type CaseContext, type CaseDefinition } from '@helios-conformance/core';
import { within, type DbxOperation, type DbxSession, type DbxTarget, type ExecuteOptions } from '../target.js';

/** A case of this suite. */
export type DbxCase = Case<DbxTarget>;
/** What a case body receives. */
export type DbxContext = CaseContext<DbxTarget>;

/** Where the cases' required behaviour is documented (the driver's own repository). */
export const DRIVER_SPEC = 'https://github.com/databricks/databricks-sql-nodejs';

/** Defines a case of this suite (every case is new in 0.1.0). */
export function defineDbxCase(def: Omit<CaseDefinition<DbxTarget>, 'since'> & { since?: string }): DbxCase {
  return defineCase<DbxTarget>({ since: '0.1.0', ...def });
}

/** `hc_<run id>.name`: a table in the run's own schema. */
export function tableName(ctx: DbxContext, name: string): string {
  return `${ctx.target.schema}.${name}`;
}

/** Executes one statement on the run's session, fetches every row and closes the operation. */
export function query(ctx: DbxContext, sql: string, options: ExecuteOptions = {}): Promise<Array<Record<string, unknown>>> {
  return queryOn(ctx, ctx.target.session, sql, options);
}

/** Executes one statement on `session`, fetches every row and closes the operation. */
export async function queryOn(ctx: DbxContext, session: DbxSession, sql: string, options: ExecuteOptions = {}): Promise<Array<Record<string, unknown>>> {
  const op = await within(session.executeStatement(sql, options), ctx.remainingMs(), 'ExecuteStatement');
  try {
    return await within(op.fetchAll(), ctx.remainingMs(), 'fetching the result');
  } finally {
    await within(op.close(), 3_000, 'CloseOperation').catch(() => undefined);
  }
}

/** Executes one statement and hands the open operation to `use`, closing it afterwards. */
export async function withOperation<R>(ctx: DbxContext, sql: string, options: ExecuteOptions, use: (op: DbxOperation) => Promise<R>): Promise<R> {
  const op = await within(ctx.target.session.executeStatement(sql, options), ctx.remainingMs(), 'ExecuteStatement');
  try {
    return await use(op);
  } finally {
    await within(op.close(), 3_000, 'CloseOperation').catch(() => undefined);
  }
}

/** A value as JSON for a failure message (bigint and Buffer included). */
export function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x && typeof x === 'object' && (x as { type?: string }).type === 'Buffer' ? `0x${Buffer.from((x as { data: number[] }).data).toString('hex')}` : x));
}
