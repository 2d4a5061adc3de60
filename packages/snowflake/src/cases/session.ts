// Session parameters: what one session sets (ALTER SESSION, or the driver's login-time
// SESSION_PARAMETERS) is what that session reads back, and no other session sees it.
import assert from 'node:assert/strict';
import { connect, defineSnowflakeCase, exec, type Ctx } from '../_internal/case-kit.js';
import type { SfConnection } from '../_internal/driver.js';

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
