// Sessions: what one session sets (ALTER SESSION, or the driver's login-time SESSION_PARAMETERS)
// is what that session reads back, and no other session sees it; a session outlives its session
// token (renewed with the master token once expired).
import assert from 'node:assert/strict';
import { codeOf, connect, defineSnowflakeCase, exec, sleep, type Ctx } from '../_internal/case-kit.js';
import type { SfConnection, SfError } from '../_internal/driver.js';

/** The session's QUERY_TAG as SHOW PARAMETERS reports it ('' when unset). */
async function queryTag(ctx: Ctx, conn: SfConnection): Promise<unknown> {
  const { rows } = await exec(ctx, conn, "SHOW PARAMETERS LIKE 'QUERY_TAG' IN SESSION");
  assert.equal(rows.length, 1, `SHOW PARAMETERS LIKE 'QUERY_TAG' IN SESSION returned ${rows.length} rows`);
  return rows[0]?.value;
}

export const sf012 = defineSnowflakeCase({
  id: 'SF-012',
  title: "session parameters: ALTER SESSION SET QUERY_TAG and the driver's login-time queryTag are read back by SHOW PARAMETERS in that session only",
  priority: 'p2',
  area: 'session',
  spec: 'https://docs.snowflake.com/en/sql-reference/sql/alter-session; https://docs.snowflake.com/en/sql-reference/sql/show-parameters',
  async run(ctx) {
    const tagA = `hc-${ctx.target.runId}-a`;
    const tagB = `hc-${ctx.target.runId}-b`;
    const a = await connect(ctx);
    await exec(ctx, a, `ALTER SESSION SET QUERY_TAG = '${tagA}'`);
    assert.equal(await queryTag(ctx, a), tagA, 'ALTER SESSION SET QUERY_TAG is not what the session reads back');
    // The driver sends connection option queryTag as a session parameter of the login request.
    const b = await connect(ctx, { queryTag: tagB });
    assert.equal(await queryTag(ctx, b), tagB, "the login-time queryTag (the driver's SESSION_PARAMETERS) is not the session's QUERY_TAG");
    const c = await connect(ctx);
    assert.equal(await queryTag(ctx, c), '', "a new session sees another session's QUERY_TAG");
  },
});

/** Waited beyond the token's expiry, so that a timer firing early does not land before it. */
const EXPIRY_MARGIN_MS = 500;
/** Kept before the case deadline for the statements after the wait. */
const AFTER_WAIT_MS = 5_000;

/** The session token and its expiry (epoch ms) as the driver holds them. */
interface TokenState {
  token: string;
  expiresAt: number;
}

/**
 * The driver's session token and expiry time, from `connection.serialize()` (public in
 * snowflake-sdk's index.d.ts: `services.sf.tokenInfo`). The driver sets the expiry to its clock when
 * the login (or renewal) answer arrived plus the `validityInSeconds` the endpoint declared in it.
 * The token is a credential: compared, never shown.
 */
function tokenState(conn: SfConnection): TokenState {
  let info: { sessionToken?: unknown; sessionTokenExpirationTime?: unknown } | undefined;
  try {
    info = (JSON.parse(conn.serialize()) as { services?: { sf?: { tokenInfo?: typeof info } } }).services?.sf?.tokenInfo;
  } catch {
    info = undefined;
  }
  if (typeof info?.sessionToken !== 'string' || typeof info.sessionTokenExpirationTime !== 'number') {
    throw new Error("snowflake-sdk's connection.serialize() holds no services.sf.tokenInfo with sessionToken and sessionTokenExpirationTime: this driver version keeps them elsewhere");
  }
  return { token: info.sessionToken, expiresAt: info.sessionTokenExpirationTime };
}

export const sf015 = defineSnowflakeCase({
  id: 'SF-015',
  title: 'an expired session token is renewed: past the validity the endpoint declared at login, a query on the same connection succeeds, the driver holds a new token, and the session keeps its QUERY_TAG',
  priority: 'p1',
  area: 'session',
  spec: "snowflake-sdk lib/services/sf.js: 390112 (session token expired) → POST /session/token-request { requestType: 'RENEW' } with the master token, then the request again; https://docs.snowflake.com/en/user-guide/session-policies",
  async run(ctx) {
    const conn = await connect(ctx);
    const loggedInAt = Date.now();
    const login = tokenState(conn);
    assert.ok(Number.isFinite(login.expiresAt), 'the login answer declared no session token validity (data.validityInSeconds): the driver holds no expiry time for its token');
    const validityS = Math.round((login.expiresAt - loggedInAt) / 1000);
    ctx.metric('validityS', validityS);
    const patienceS = ctx.target.maxTokenWaitS;
    if (validityS > patienceS) {
      ctx.notApplicable(`the endpoint declared a session token validity of ${validityS} s at login, longer than --max-token-wait-s ${patienceS}: raise it (and --timeout-ms) above ${validityS} s to judge token renewal`);
    }
    const waitMs = login.expiresAt + EXPIRY_MARGIN_MS - Date.now();
    if (waitMs + AFTER_WAIT_MS > ctx.remainingMs()) {
      ctx.notApplicable(`the session token is valid ${validityS} s: waiting it out does not fit the case deadline (${ctx.remainingMs()} ms left): raise --timeout-ms above ${validityS * 1000 + 2 * AFTER_WAIT_MS}`);
    }
    const tag = `hc-${ctx.target.runId}-expiry-${ctx.rng.int(100_000, 999_999)}`;
    await exec(ctx, conn, `ALTER SESSION SET QUERY_TAG = '${tag}'`);
    assert.equal(await queryTag(ctx, conn), tag, 'ALTER SESSION SET QUERY_TAG is not what the session reads back (before its token expired)');
    const t0 = Date.now();
    await exec(ctx, conn, 'SELECT 1 AS BEFORE_EXPIRY');
    ctx.metric('queryBeforeExpiryMs', Date.now() - t0);

    const waitFrom = Date.now();
    await sleep(Math.max(0, login.expiresAt + EXPIRY_MARGIN_MS - waitFrom), ctx.signal);
    ctx.metric('waitedMs', Date.now() - waitFrom);
    const pastMs = Date.now() - login.expiresAt;
    const t1 = Date.now();
    let rows: Array<Record<string, unknown>>;
    try {
      ({ rows } = await exec(ctx, conn, 'SELECT 15 AS AFTER_EXPIRY'));
    } catch (e) {
      const err = e as SfError;
      // No code: no answer from the endpoint (the deadline, the network): not a verdict.
      if (codeOf(err) === undefined) throw e;
      return ctx.fail(
        `the first query ${pastMs} ms past the session token's validity (${validityS} s) failed with ${codeOf(err)} (${(err.message ?? '').split('\n')[0]}): an expired session token must be renewed with the master token (390112, then POST /session/token-request) and the query answered`,
      );
    }
    // The query's round trip includes the 390112 answer, the renewal and the repeated request.
    ctx.metric('queryAfterExpiryMs', Date.now() - t1);
    assert.deepEqual(rows, [{ AFTER_EXPIRY: 15 }], `SELECT 15 after the token expired returned ${JSON.stringify(rows)}`);
    const renewed = tokenState(conn);
    const tokenChanged = renewed.token !== login.token;
    ctx.metric('renewed', tokenChanged);
    assert.ok(
      tokenChanged,
      `the driver still holds the session token of the login, ${pastMs} ms past the validity the endpoint declared (${validityS} s): the endpoint accepted an expired token instead of answering 390112, so it was never renewed`,
    );
    assert.ok(renewed.expiresAt > login.expiresAt, 'the renewed session token expires no later than the expired one (validityInSecondsST of the renewal)');
    const tagAfter = await queryTag(ctx, conn);
    assert.equal(
      tagAfter,
      tag,
      `the session's QUERY_TAG after the token renewal is ${JSON.stringify(tagAfter)}, not the ${JSON.stringify(tag)} set before: the renewed token belongs to another session (a renewal must keep the session and its state)`,
    );
    assert.equal(conn.isUp(), true, 'the driver does not consider the connection up after the renewal');
  },
});
