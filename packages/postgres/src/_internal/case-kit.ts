// Small helpers shared by the case bodies. Never exported from the package.
import type { Client } from 'pg';
import { defineCase, type CaseContext, type CaseDefinition, type Case } from '@helios-conformance/core';
import { closeClient, type PgTarget } from '../adapter.js';

/** The context every PostgreSQL case receives. */
export type PgContext = CaseContext<PgTarget>;

/** `defineCase` bound to {@link PgTarget}. */
export function definePgCase(def: CaseDefinition<PgTarget>): Case<PgTarget> {
  return defineCase<PgTarget>(def);
}

/**
 * Opens a new `pg` session in the run's namespace, tied to the case: aborting the case
 * destroys it, and it is closed when the case ends (pass or fail).
 */
export async function openSession(ctx: PgContext, applicationName?: string): Promise<Client> {
  const client = await ctx.target.connect({ signal: ctx.signal, applicationName });
  ctx.defer(() => closeClient(client));
  return client;
}

/** The SQLSTATE of a driver error, or undefined. */
export function sqlstate(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export { within } from './within.js';
