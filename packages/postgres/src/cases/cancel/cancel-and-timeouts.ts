import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Client } from 'pg';
import { checkSqlError, expectSqlError } from '@helios-conformance/sql/postgres';
import { definePgCase, openSession, settle, sleep, within, type PgContext } from '../../_internal/case-kit.js';

/** The CancelRequest code (1234 << 16 | 5678). */
const CANCEL_REQUEST_CODE = 80877102;
/** How long the sleeping statements would run if nothing stopped them. */
const SLEEP_S = 3;

/** How long sendCancel waits for the server to close the cancel connection. */
const CANCEL_CLOSE_WAIT_MS = 2_000;

/**
 * Sends a CancelRequest for (pid, key) on a new plain TCP connection the way libpq's PQcancel
 * and the Node drivers do: write the 16 bytes, keep our side open, and wait (bounded) for the
 * server to close the connection, which it does once it has read and acted on the request. No
 * half-close: a pooler or proxy that sees the client's FIN first may drop the connection, and
 * the cancel with it, before passing the request on.
 */
async function sendCancel(ctx: PgContext, pid: number, key: number): Promise<void> {
  const { host, port } = ctx.target.connection;
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  packet.writeInt32BE(pid, 8);
  packet.writeInt32BE(key | 0, 12);
  ctx.signal.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    // allowHalfOpen: Node does not end() our side by itself; finish() closes it after the server's FIN.
    const sock = connect({ host, port, allowHalfOpen: true });
    const finish = (error?: unknown): void => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      sock.destroy();
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onAbort = (): void => finish(ctx.signal.reason ?? new Error('aborted'));
    // A server that keeps the connection open longer is not judged here: the cancel's effect is.
    const timer = setTimeout(() => finish(), CANCEL_CLOSE_WAIT_MS);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => sock.write(packet));
    sock.once('error', (e) => finish(e));
    // The server's FIN (or a reset): the request has been read; only now do we close.
    sock.once('end', () => finish());
    sock.once('close', () => finish());
    sock.resume();
  });
}

function backendKey(c: Client): { pid: number; key: number } {
  const k = c as unknown as { processID?: unknown; secretKey?: unknown };
  if (typeof k.processID !== 'number' || typeof k.secretKey !== 'number') {
    throw new Error(`the driver holds no BackendKeyData for this session (processID=${String(k.processID)}, secretKey=${typeof k.secretKey})`);
  }
  return { pid: k.processID, key: k.secretKey };
}

/** PG-088: a CancelRequest with the session's BackendKeyData interrupts the running statement. */
export const cancelRequest = definePgCase({
  id: 'PG-088',
  title: 'CancelRequest with the BackendKeyData interrupts a running pg_sleep with 57014 (a wrong secret key does not); the session survives',
  priority: 'p1',
  area: 'cancel',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS',
  timeoutMs: 20_000,
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-088');
    const { pid, key } = backendKey(c);
    const t0 = Date.now();
    const running = settle(c.query(`SELECT pg_sleep(${SLEEP_S})`));
    await sleep(300, ctx.signal);

    // A CancelRequest with the wrong secret key must be ignored.
    await sendCancel(ctx, pid, key ^ 0x5a5a5a5a);
    const early = await within(running, 500);
    if (!early.timedOut) {
      const code = early.value.ok ? 'success' : ((early.value.error as { code?: string }).code ?? String(early.value.error));
      ctx.fail(`a CancelRequest with the wrong secret key ended the statement (${code} after ${Date.now() - t0} ms); it must be ignored`);
    }

    const sent = Date.now();
    await sendCancel(ctx, pid, key);
    const BOUND_MS = 2_000;
    const r = await within(running, BOUND_MS);
    if (r.timedOut) return ctx.fail(`SELECT pg_sleep(${SLEEP_S}) was still running ${BOUND_MS} ms after the CancelRequest (expected 57014)`);
    if (r.value.ok) return ctx.fail(`SELECT pg_sleep(${SLEEP_S}) completed after ${Date.now() - t0} ms: the CancelRequest did not interrupt it (expected 57014)`);
    checkSqlError(r.value.error, '57014', 'the cancelled pg_sleep');
    ctx.metric('cancelLatencyMs', Date.now() - sent);
    const alive = await c.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(alive.rows[0]?.one, 1, 'the session must keep working after a cancelled statement');
  },
});

/** PG-089: statement_timeout interrupts a long statement with 57014. */
export const statementTimeout = definePgCase({
  id: 'PG-089',
  title: "SET statement_timeout = '200ms': pg_sleep(3) fails with 57014 within ~1 s, in simple and extended query; short statements still run",
  priority: 'p1',
  area: 'cancel',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-STATEMENT-TIMEOUT',
  timeoutMs: 20_000,
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-089');
    await c.query("SET statement_timeout = '200ms'");
    const shown = await c.query<{ statement_timeout: string }>('SHOW statement_timeout');
    assert.equal(shown.rows[0]?.statement_timeout, '200ms', `SHOW statement_timeout must report 200ms, got ${shown.rows[0]?.statement_timeout}`);
    for (const [what, run] of [
      ['simple query', () => c.query(`SELECT pg_sleep(${SLEEP_S})`)],
      ['extended query', () => c.query('SELECT pg_sleep($1)', [SLEEP_S])],
    ] as const) {
      const t0 = Date.now();
      const r = await within(settle(run()), 2_500);
      const ms = Date.now() - t0;
      if (r.timedOut) return ctx.fail(`${what}: pg_sleep(${SLEEP_S}) under statement_timeout 200ms was still running after 2500 ms (expected 57014)`);
      if (r.value.ok) return ctx.fail(`${what}: pg_sleep(${SLEEP_S}) under statement_timeout 200ms completed after ${ms} ms (expected 57014)`);
      checkSqlError(r.value.error, '57014', `${what}: pg_sleep(${SLEEP_S}) under statement_timeout 200ms`);
      assert.ok(ms < 1_500, `${what}: 57014 must come within ~1 s of a 200 ms timeout, came after ${ms} ms`);
      assert.ok(ms >= 150, `${what}: 57014 came after ${ms} ms, before the 200 ms statement_timeout elapsed`);
      ctx.metric(`${what === 'simple query' ? 'simple' : 'extended'}TimeoutMs`, ms);
    }
    const quick = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM generate_series(1, 1000)');
    assert.equal(quick.rows[0]?.n, 1000, 'a short statement must run under the timeout');
    await c.query('RESET statement_timeout');
    const reset = await c.query<{ statement_timeout: string }>('SHOW statement_timeout');
    assert.equal(reset.rows[0]?.statement_timeout, '0', `after RESET, statement_timeout must be 0, got ${reset.rows[0]?.statement_timeout}`);
  },
});

/** PG-090: SET LOCAL lasts until the end of the transaction; SET in a rolled-back transaction is undone. */
export const setLocalScope = definePgCase({
  id: 'PG-090',
  title: 'SET LOCAL statement_timeout applies inside its transaction only; SET inside a rolled-back transaction is undone, inside a committed one kept',
  priority: 'p2',
  area: 'cancel',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-set.html',
  timeoutMs: 20_000,
  async run(ctx) {
    const c = await openSession(ctx, 'hc-pg-090');
    const show = async (): Promise<string | undefined> =>
      (await c.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]?.statement_timeout;
    await c.query('SET statement_timeout = 0');

    await c.query('BEGIN');
    await c.query("SET LOCAL statement_timeout = '200ms'");
    assert.equal(await show(), '200ms', 'inside the transaction, SET LOCAL statement_timeout must show 200ms');
    const t0 = Date.now();
    const r = await within(settle(c.query(`SELECT pg_sleep(${SLEEP_S})`)), 2_500);
    if (r.timedOut) return ctx.fail(`pg_sleep(${SLEEP_S}) under SET LOCAL statement_timeout 200ms was still running after 2500 ms (expected 57014)`);
    if (r.value.ok) return ctx.fail(`pg_sleep(${SLEEP_S}) under SET LOCAL statement_timeout 200ms completed after ${Date.now() - t0} ms (expected 57014)`);
    checkSqlError(r.value.error, '57014', 'pg_sleep under SET LOCAL statement_timeout');
    await c.query('ROLLBACK');
    assert.equal(await show(), '0', 'after the transaction, the SET LOCAL value must be gone (statement_timeout 0)');
    const slept = await within(settle(c.query('SELECT pg_sleep(0.4)')), 3_000);
    if (slept.timedOut) return ctx.fail('pg_sleep(0.4) after the transaction got no answer within 3000 ms');
    if (!slept.value.ok) return ctx.fail(`pg_sleep(0.4) after the transaction failed (${String((slept.value.error as Error).message)}): the SET LOCAL timeout leaked out of its transaction`);

    await c.query('BEGIN');
    await c.query("SET LOCAL statement_timeout = '5s'");
    await c.query('COMMIT');
    assert.equal(await show(), '0', 'SET LOCAL must end with a committed transaction too');

    await c.query('BEGIN');
    await c.query("SET statement_timeout = '7s'");
    await c.query('ROLLBACK');
    assert.equal(await show(), '0', 'a plain SET inside a rolled-back transaction must be undone');

    await c.query('BEGIN');
    await c.query("SET statement_timeout = '8s'");
    await c.query('COMMIT');
    assert.equal(await show(), '8s', 'a plain SET inside a committed transaction must persist for the session');
    await expectSqlError(c.query("SET statement_timeout = 'soon'"), '22023', 'SET statement_timeout to an invalid value');
  },
});
