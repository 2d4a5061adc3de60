// Mutant endpoints as hooks of the suite kit's framing proxy: each breaks exactly one promise of
// a real server. Every hook marks what it changed, so a test can assert the mutant acted.
import { rewriteSql, sqlOf, withSql, type ConnContext, type FrameHook, type MyFrame, type PgFrame } from '@helios-conformance/suite-kit';

/** PostgreSQL: COMMIT is sent on as ROLLBACK, and the server's ROLLBACK tag is answered to the client as COMMIT. */
export const fakeCommit: { client: FrameHook<PgFrame>; server: FrameHook<PgFrame> } = {
  client(frame, ctx) {
    const sql = sqlOf(frame);
    if (sql === undefined || !/^\s*COMMIT\s*;?\s*$/i.test(sql)) return frame;
    ctx.mark();
    ctx.state.pendingFake = pending(ctx) + 1;
    return withSql(frame, 'ROLLBACK');
  },
  server(frame, ctx) {
    // CommandComplete: the tag, NUL-terminated.
    if (frame.type !== 'C' || pending(ctx) === 0 || frame.body.toString('utf8', 0, frame.body.length - 1) !== 'ROLLBACK') return frame;
    ctx.state.pendingFake = pending(ctx) - 1;
    return { ...frame, body: Buffer.from('COMMIT\0', 'utf8') };
  },
};

const pending = (ctx: ConnContext): number => (ctx.state.pendingFake as number | undefined) ?? 0;

/** PostgreSQL: every BEGIN runs at READ COMMITTED, whatever level it named. */
export const downgradeToReadCommitted = rewriteSql<PgFrame>((sql) => sql.replace(/ISOLATION\s+LEVEL\s+(SERIALIZABLE|REPEATABLE\s+READ)/gi, 'ISOLATION LEVEL READ COMMITTED'));

/** PostgreSQL: BEGIN is swallowed (turned into a query that does nothing): every statement then commits on its own. */
export const swallowBegin = rewriteSql<PgFrame>((sql) => (/^\s*(BEGIN|START\s+TRANSACTION)\b/i.test(sql) ? 'SELECT 1 WHERE false' : sql));

/** PostgreSQL: SERIALIZABLE quietly becomes READ COMMITTED (the matrix must notice). */
export const serializableAsReadCommitted = rewriteSql<PgFrame>((sql) => sql.replaceAll('ISOLATION LEVEL SERIALIZABLE', 'ISOLATION LEVEL READ COMMITTED'));

/** MySQL: SET TRANSACTION downgrades SERIALIZABLE → REPEATABLE READ and READ COMMITTED → READ UNCOMMITTED. */
export const downgradeSetTransaction = rewriteSql<MyFrame>((sql) =>
  sql.startsWith('SET TRANSACTION ISOLATION LEVEL ') ? sql.replace('SERIALIZABLE', 'REPEATABLE READ').replace('READ COMMITTED', 'READ UNCOMMITTED') : sql,
);
