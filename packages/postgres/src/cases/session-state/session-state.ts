import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { settle, sleep, within } from '@helios-conformance/sql';
import { closeClient } from '@helios-conformance/sql/postgres';
import { describeMessages, firstError, msg, textRow, type WireConnection, type WireMessage } from '@helios-conformance/sql/pg-wire';
import { definePgCase, openSession, openWire, sqlstate, type PgContext } from '../../_internal/case-kit.js';

// Session state is what a connection pooler in transaction mode breaks: between two transactions
// of one client it may hand the client another server session (the state is gone), and hand the
// client's server session to somebody else (the state leaks). Each case makes the state in one
// client ("the owner"), then checks it the way such a pooler would break it: while a second
// client holds a transaction open (so the pooler cannot give the owner its old server session
// back), the second client must not see the owner's state and the owner must still have it.

/** How long one statement of a check may take. */
const STEP_MS = 5_000;
const POOLER = 'the endpoint may be a transaction-mode pooler';
/** PG-105's wait between the owner's disconnect and the next client's login. */
const NEXT_SESSION_PAUSE_MS = 500;
const REUSED = 'the endpoint may be a pooler that hands server sessions on to other clients (its reset, e.g. DISCARD ALL, does not unload a library)';

/** What was lost or leaked, in words; empty when the session state behaved. */
type Findings = string[];

/** Runs `work` with a deadline; no answer fails the case naming `what`. */
async function step<T>(ctx: PgContext, work: Promise<T>, what: string): Promise<T> {
  const r = await within(settle(work), STEP_MS);
  if (r.timedOut) return ctx.fail(`${what} got no answer within ${STEP_MS} ms`);
  if (!r.value.ok) throw r.value.error;
  return r.value.value;
}

interface StateCheck {
  /** The state, in words: "the SET made in the previous transaction", "prepared statement hc_…". */
  what: string;
  /** Looks at the state from the owner's session: a description of what is missing, or undefined when it is all there. */
  kept(owner: Client): Promise<string | undefined>;
  /** Looks from the second client's session (inside its open transaction): what of the owner's state it sees, or undefined. */
  leaked(other: Client): Promise<string | undefined>;
}

/**
 * The check every case shares, once the owner made its state: the owner's next transaction
 * must still see it (plainly, then while `other` holds a transaction open), and `other`, a
 * separate client, must not see it. Judged once every statement has answered.
 */
async function acrossTransactionsAndClients(ctx: PgContext, owner: Client, other: Client, c: StateCheck): Promise<void> {
  const found: Findings = [];
  const next = await step(ctx, c.kept(owner), `the owner's check of ${c.what} in its next transaction`);
  if (next) found.push(`in the owner's next transaction ${c.what} is gone (${next})`);

  await step(ctx, other.query('BEGIN'), "the second client's BEGIN");
  let seen: string | undefined;
  let held: string | undefined;
  try {
    seen = await step(ctx, c.leaked(other), `the second client's look at ${c.what}`);
    if (seen) {
      found.push(`another client sees ${c.what} (${seen})${next ? '' : ", so it was given the owner's server session"}`);
    } else if (!next) {
      // The second client holds its transaction (and whatever server session it was given) open:
      // a pooler must now serve the owner from another server session.
      const r = await within(settle(c.kept(owner)), STEP_MS);
      if (r.timedOut) {
        held = `the owner's statement got no answer within ${STEP_MS} ms while another client held a transaction open (the endpoint does not serve two clients at once)`;
      } else if (!r.value.ok) {
        throw r.value.error;
      } else if (r.value.value) {
        found.push(`while another client held a transaction open, the owner's next transaction no longer has ${c.what} (${r.value.value})`);
      }
    }
  } finally {
    await within(other.query('ROLLBACK').catch(() => undefined), STEP_MS);
  }
  if (held) return ctx.fail(held);
  if (found.length) return ctx.fail(`${found.join('; ')}: ${POOLER} (server sessions change hands between transactions)`);
}

/** A name unique to this case in this run (so a run never meets an earlier run's leftovers). */
const runName = (ctx: PgContext, stem: string): string => `hc_${stem}_${ctx.target.runId}`;

/** Two 32-bit advisory lock keys for this run: a fixed class and a run-derived object. */
function lockKeys(ctx: PgContext): [number, number] {
  const h = createHash('sha256').update(`${ctx.target.runId}/${ctx.id}`).digest();
  return [0x4843, h.readInt32BE(0)];
}

/** The error's SQLSTATE, or rethrow when it is no server answer (a lost connection stays an error). */
function codeOf(e: unknown): string {
  const code = sqlstate(e);
  if (code === undefined) throw e;
  return code;
}

/** PG-100: a session-level SET survives to the session's next transactions, and belongs to that session only. */
export const sessionSet = definePgCase({
  id: 'PG-100',
  title: 'a session SET (a custom hc.* setting) holds in the next transactions of that client, also while another client is in a transaction, and is not seen by the other client',
  priority: 'p1',
  area: 'session-state',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-set.html',
  async run(ctx) {
    const owner = await openSession(ctx, 'hc-pg-100-owner');
    const other = await openSession(ctx, 'hc-pg-100-other');
    // A custom (placeholder) setting: nothing else reads it, so where a pooler leaves it on a shared
    // server connection it changes nobody's queries.
    const token = `t${ctx.target.runId}`;
    const show = async (c: Client): Promise<string | null | undefined> =>
      (await c.query<{ custom: string | null }>("SELECT current_setting('hc.pg100', true) AS custom")).rows[0]?.custom;
    const before = await step(ctx, show(other), "the second client's hc.pg100 before the SET");
    assert.notEqual(before, token, 'no session can have the setting before it is made');
    ctx.defer(async () => void (await within(owner.query('RESET hc.pg100').catch(() => undefined), STEP_MS)));
    await step(ctx, owner.query(`SET hc.pg100 = '${token}'`), "the owner's SET hc.pg100");
    await acrossTransactionsAndClients(ctx, owner, other, {
      what: 'the SET made in the previous transaction',
      async kept(c) {
        const v = await show(c);
        return v === token ? undefined : `hc.pg100 is ${JSON.stringify(v)}, not ${JSON.stringify(token)}`;
      },
      async leaked(c) {
        return (await show(c)) === token ? `hc.pg100 = ${token}` : undefined;
      },
    });
  },
});

/** PG-101: SQL-level PREPARE / EXECUTE / DEALLOCATE: a prepared statement is the session's, across transactions. */
export const sqlPrepare = definePgCase({
  id: 'PG-101',
  title: 'SQL PREPARE in one transaction is EXECUTEd in the next ones (also while another client is in a transaction), is unknown (26000) to another client, and DEALLOCATE removes it',
  priority: 'p1',
  area: 'session-state',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-prepare.html',
  async run(ctx) {
    const owner = await openSession(ctx, 'hc-pg-101-owner');
    const other = await openSession(ctx, 'hc-pg-101-other');
    const name = runName(ctx, 'pg101');
    ctx.defer(async () => void (await within(owner.query(`DEALLOCATE ${name}`).catch(() => undefined), STEP_MS)));
    await step(ctx, owner.query(`PREPARE ${name}(int) AS SELECT $1 + 100 AS n`), `PREPARE ${name}`);
    const execute = async (c: Client, arg: number): Promise<{ n?: number; code?: string }> => {
      try {
        return { n: (await c.query<{ n: number }>(`EXECUTE ${name}(${arg})`)).rows[0]?.n };
      } catch (e) {
        return { code: codeOf(e) };
      }
    };
    await acrossTransactionsAndClients(ctx, owner, other, {
      what: `prepared statement ${name}`,
      async kept(c) {
        const r = await execute(c, 5);
        if (r.code) return `EXECUTE ${name}(5) failed with ${r.code}`;
        return r.n === 105 ? undefined : `EXECUTE ${name}(5) returned ${JSON.stringify(r.n)}, not 105`;
      },
      async leaked(c) {
        const r = await execute(c, 1);
        if (r.code === '26000') return undefined;
        if (r.code) return assert.fail(`the second client's EXECUTE of a statement it never prepared must fail with 26000 (invalid_sql_statement_name), got ${r.code}`);
        return `its EXECUTE ${name}(1) returned ${JSON.stringify(r.n)}`;
      },
    });
    const listed = await step(ctx, owner.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = $1', [name]), 'pg_prepared_statements');
    assert.equal(listed.rows[0]?.n, 1, `pg_prepared_statements must list ${name} once for the session that prepared it`);
    await step(ctx, owner.query(`DEALLOCATE ${name}`), `DEALLOCATE ${name}`);
    const after = await execute(owner, 5);
    assert.equal(after.code, '26000', `EXECUTE after DEALLOCATE must fail with 26000, got ${after.code ?? `a result (${JSON.stringify(after.n)})`}`);
  },
});

/** PG-102: temporary tables: ON COMMIT PRESERVE ROWS lasts the session; DELETE ROWS empties at commit; DROP drops at commit. */
export const temporaryTables = definePgCase({
  id: 'PG-102',
  title: 'temporary tables: ON COMMIT PRESERVE ROWS keeps table and rows for the session (across transactions, invisible to another client), DELETE ROWS empties it at COMMIT, DROP removes it',
  priority: 'p1',
  area: 'session-state',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-TEMPORARY',
  async run(ctx) {
    const owner = await openSession(ctx, 'hc-pg-102-owner');
    const other = await openSession(ctx, 'hc-pg-102-other');
    // Temporary tables live in the session's own pg_temp schema, never in a shared one.
    const keep = `pg_temp.${runName(ctx, 'pg102_keep')}`;
    const del = `pg_temp.${runName(ctx, 'pg102_del')}`;
    const drop = `pg_temp.${runName(ctx, 'pg102_drop')}`;
    ctx.defer(async () => void (await within(owner.query(`DROP TABLE IF EXISTS ${keep}, ${del}, ${drop}`).catch(() => undefined), STEP_MS)));
    const exists = async (c: Client, table: string): Promise<boolean> => (await c.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [table])).rows[0]?.r != null;
    const count = async (c: Client, table: string): Promise<number | string> => {
      try {
        return (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n ?? -1;
      } catch (e) {
        return codeOf(e);
      }
    };

    // ON COMMIT DELETE ROWS and ON COMMIT DROP: what a COMMIT does to a temporary table.
    await step(ctx, owner.query('BEGIN'), 'BEGIN');
    await owner.query(`CREATE TEMP TABLE ${del} (v int) ON COMMIT DELETE ROWS`);
    await owner.query(`CREATE TEMP TABLE ${drop} (v int) ON COMMIT DROP`);
    await owner.query(`INSERT INTO ${del} SELECT generate_series(1, 3)`);
    await owner.query(`INSERT INTO ${drop} SELECT generate_series(1, 3)`);
    assert.equal(await count(owner, del), 3, 'inside its transaction an ON COMMIT DELETE ROWS table must hold the 3 rows inserted');
    assert.equal(await count(owner, drop), 3, 'inside its transaction an ON COMMIT DROP table must hold the 3 rows inserted');
    await step(ctx, owner.query('COMMIT'), 'COMMIT');
    assert.equal(await exists(owner, drop), false, `after COMMIT the ON COMMIT DROP table ${drop} must be gone`);
    const emptied = await count(owner, del);
    assert.notEqual(emptied, '42P01', `after COMMIT the ON COMMIT DELETE ROWS table ${del} must still exist in the session (it got 42P01): ${POOLER}`);
    assert.equal(emptied, 0, `after COMMIT the ON COMMIT DELETE ROWS table ${del} must be empty`);

    // ON COMMIT PRESERVE ROWS (the default): the table and its rows are the session's until it ends.
    await step(ctx, owner.query(`CREATE TEMP TABLE ${keep} (v int) ON COMMIT PRESERVE ROWS`), `CREATE TEMP TABLE ${keep}`);
    await step(ctx, owner.query(`INSERT INTO ${keep} VALUES (1), (2)`), `INSERT INTO ${keep}`);
    await acrossTransactionsAndClients(ctx, owner, other, {
      what: `temporary table ${keep}`,
      async kept(c) {
        const n = await count(c, keep);
        return n === 2 ? undefined : typeof n === 'string' ? `SELECT from it failed with ${n}` : `it holds ${n} rows, not 2`;
      },
      async leaked(c) {
        return (await exists(c, keep)) ? `to_regclass('${keep}') resolves in its session` : undefined;
      },
    });
  },
});

/** Unlocks (k1, k2) wherever it is still held, checked in pg_locks; bounded. */
async function releaseEverywhere(ctx: PgContext, k1: number, k2: number): Promise<void> {
  const held = "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2";
  for (let round = 0; round < 3; round++) {
    const clients = await Promise.all([1, 2, 3].map(() => ctx.target.connect({ applicationName: 'hc-pg-103-cleanup' }).catch(() => undefined)));
    try {
      const open = clients.filter((c): c is Client => c !== undefined);
      if (!open.length) return;
      const first = open[0] as Client;
      const r = await within(first.query<{ n: number }>(held, [k1, k2]), STEP_MS);
      if (r.timedOut || (r.value.rows[0]?.n ?? 0) === 0) return;
      await Promise.all(open.map(async (c) => {
        await within(c.query('BEGIN').then(() => c.query('SELECT pg_advisory_unlock($1, $2)', [k1, k2])).catch(() => undefined), STEP_MS);
      }));
      await Promise.all(open.map((c) => within(c.query('COMMIT').catch(() => undefined), STEP_MS)));
    } finally {
      await Promise.all(clients.map((c) => (c ? closeClient(c) : undefined)));
    }
  }
}

/** PG-103: a session-level advisory lock is held by the session across transactions until it unlocks it. */
export const sessionAdvisoryLock = definePgCase({
  id: 'PG-103',
  title: "a session-level advisory lock (pg_advisory_lock) stays held by the owner's session across transactions, another client cannot take it (pg_try_advisory_lock false), and pg_advisory_unlock releases it",
  priority: 'p1',
  area: 'session-state',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS',
  async run(ctx) {
    const owner = await openSession(ctx, 'hc-pg-103-owner');
    const other = await openSession(ctx, 'hc-pg-103-other');
    const [k1, k2] = lockKeys(ctx);
    const lock = `advisory lock (${k1}, ${k2})`;
    // Behind a pooler the lock may stay on a server connection the owner no longer has: unlock from
    // several clients at once (each gets its own server connection) until pg_locks, which every
    // session sees, no longer shows it.
    ctx.defer(() => releaseEverywhere(ctx, k1, k2));
    await step(ctx, owner.query('SELECT pg_advisory_lock($1, $2)', [k1, k2]), `the owner's pg_advisory_lock(${k1}, ${k2})`);
    const holds = async (c: Client): Promise<boolean> =>
      (
        await c.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2 AND pid = pg_backend_pid() AND granted",
          [k1, k2],
        )
      ).rows[0]?.n === 1;
    await acrossTransactionsAndClients(ctx, owner, other, {
      what: `the session-level ${lock}`,
      async kept(c) {
        return (await holds(c)) ? undefined : "pg_locks shows no such lock granted to the owner's backend";
      },
      async leaked(c) {
        const got = (await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [k1, k2])).rows[0]?.ok;
        if (got !== true) return undefined;
        await c.query('SELECT pg_advisory_unlock($1, $2)', [k1, k2]);
        return "pg_try_advisory_lock returned true: the owner's lock does not hold against it (released, or both clients share one server session)";
      },
    });
    const unlocked = await step(ctx, owner.query<{ ok: boolean }>('SELECT pg_advisory_unlock($1, $2) AS ok', [k1, k2]), 'pg_advisory_unlock');
    assert.equal(unlocked.rows[0]?.ok, true, `pg_advisory_unlock in a later transaction of the owner must return true (it holds the ${lock})`);
    const free = await step(ctx, other.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [k1, k2]), "the second client's pg_try_advisory_lock after the unlock");
    assert.equal(free.rows[0]?.ok, true, 'once the owner unlocked it, another client must get the lock');
    await other.query('SELECT pg_advisory_unlock($1, $2)', [k1, k2]);
  },
});

/** PG-104: a WITH HOLD cursor outlives the transaction that made it, for its session only. */
export const withHoldCursor = definePgCase({
  id: 'PG-104',
  title: 'DECLARE … CURSOR WITH HOLD: later transactions of the session FETCH on from where it stopped, another client gets 34000, CLOSE removes it',
  priority: 'p1',
  area: 'session-state',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-declare.html',
  async run(ctx) {
    const owner = await openSession(ctx, 'hc-pg-104-owner');
    const other = await openSession(ctx, 'hc-pg-104-other');
    const cursor = runName(ctx, 'pg104');
    ctx.defer(async () => void (await within(owner.query(`CLOSE ${cursor}`).catch(() => undefined), STEP_MS)));
    await step(ctx, owner.query(`DECLARE ${cursor} CURSOR WITH HOLD FOR SELECT g FROM generate_series(1, 12) g ORDER BY g`), `DECLARE ${cursor} CURSOR WITH HOLD`);
    let expected = 1;
    const fetch3 = async (c: Client): Promise<number[] | string> => {
      try {
        return (await c.query<{ g: number }>(`FETCH 3 FROM ${cursor}`)).rows.map((r) => r.g);
      } catch (e) {
        return codeOf(e);
      }
    };
    await acrossTransactionsAndClients(ctx, owner, other, {
      what: `cursor ${cursor} (WITH HOLD)`,
      async kept(c) {
        const rows = await fetch3(c);
        if (typeof rows === 'string') return `FETCH failed with ${rows}`;
        const want = [expected, expected + 1, expected + 2];
        expected += 3;
        return JSON.stringify(rows) === JSON.stringify(want) ? undefined : `FETCH 3 returned ${JSON.stringify(rows)}, not ${JSON.stringify(want)}`;
      },
      async leaked(c) {
        const rows = await fetch3(c);
        if (rows === '34000') return undefined;
        if (typeof rows === 'string') return assert.fail(`the second client's FETCH from a cursor it never declared must fail with 34000 (invalid_cursor_name), got ${rows}`);
        return `its FETCH 3 returned rows ${JSON.stringify(rows)}`;
      },
    });
    await step(ctx, owner.query(`CLOSE ${cursor}`), `CLOSE ${cursor}`);
    assert.equal(await fetch3(owner), '34000', 'FETCH from a closed cursor must fail with 34000');
  },
});

/** PG-105: LOAD brings a library into the session: its settings exist in that session's later transactions only. */
export const loadLibrary = definePgCase({
  id: 'PG-105',
  title: "LOAD 'auto_explain' in one transaction: its settings (auto_explain.*) exist in the session's next transactions, also while another client is in a transaction, and not in another client's session",
  priority: 'p2',
  area: 'session-state',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/sql-load.html',
  async run(ctx) {
    const owner = await openSession(ctx, 'hc-pg-105-owner');
    const other = await openSession(ctx, 'hc-pg-105-other');
    const setting = 'auto_explain.log_min_duration';
    const shown = async (c: Client): Promise<string> => {
      try {
        return (await c.query<{ v: string }>(`SELECT current_setting('${setting}') AS v`)).rows[0]?.v ?? '';
      } catch (e) {
        return `error ${codeOf(e)}`;
      }
    };
    const preload = await step(
      ctx,
      owner.query<{ s: string; l: string }>("SELECT current_setting('shared_preload_libraries', true) AS s, current_setting('session_preload_libraries', true) AS l"),
      'the preload settings',
    );
    const configured = `${preload.rows[0]?.s ?? ''},${preload.rows[0]?.l ?? ''}`;
    if (/auto_explain/.test(configured)) return ctx.notApplicable(`the server preloads auto_explain into every session (${configured.replace(/^,|,$/g, '')}): a LOAD cannot be told apart`);
    for (const [who, c] of [['the owner', owner], ['the second client', other]] as const) {
      const first = await step(ctx, shown(c), `${setting} before LOAD`);
      if (first !== 'error 42704') {
        return ctx.fail(`before any LOAD in this case, ${who}'s session already has ${setting} (${first}): it was given a server session where an earlier client had loaded auto_explain; ${REUSED}`);
      }
    }
    const loaded = await within(settle(owner.query("LOAD 'auto_explain'")), STEP_MS);
    if (loaded.timedOut) return ctx.fail(`LOAD 'auto_explain' got no answer within ${STEP_MS} ms`);
    if (!loaded.value.ok) {
      const code = codeOf(loaded.value.error);
      if (code === '58P01' || code === '42501' || code === '0A000') {
        return ctx.notApplicable(`LOAD 'auto_explain' is refused here (${code}: ${(loaded.value.error as Error).message}): there is no library this user may load`);
      }
      return assert.fail(`LOAD 'auto_explain' failed with ${code} (${(loaded.value.error as Error).message})`);
    }
    await acrossTransactionsAndClients(ctx, owner, other, {
      what: "the library LOADed in the previous transaction (auto_explain)",
      async kept(c) {
        const v = await shown(c);
        return v.startsWith('error') ? `${setting} gives ${v}` : undefined;
      },
      async leaked(c) {
        const v = await shown(c);
        if (v === 'error 42704') return undefined;
        if (v.startsWith('error')) return assert.fail(`in a session that never loaded auto_explain, ${setting} must be unknown (42704), got ${v}`);
        return `${setting} = ${v} in its session`;
      },
    });
    // A session that ends takes its libraries with it: the next client's session starts without.
    // The pause lets a pooler finish resetting the ended session's server connection: one that
    // then hands it to the next client (most recently used first) shows the library still loaded.
    await closeClient(owner);
    await sleep(NEXT_SESSION_PAUSE_MS);
    const next = await ctx.target.connect({ signal: ctx.signal, applicationName: 'hc-pg-105-next' });
    let v: string;
    try {
      v = await step(ctx, shown(next), `${setting} in a new session`);
    } finally {
      await closeClient(next);
    }
    if (v !== 'error 42704') {
      return ctx.fail(`after the session that ran LOAD ended, a new client's session has ${setting} = ${v}: it was given the ended session's server session with auto_explain still loaded; ${REUSED}`);
    }
  },
});

/** The statement text a PG-106 client prepares: it answers with its own client number, so a mix-up shows. */
const PG106_SQL = (client: number): string => `SELECT $1::int AS round, ${client} AS client`;

/** Sends messages in one write and reads to ReadyForQuery, notices and ParameterStatus dropped. */
async function exchange(conn: WireConnection, ...messages: Buffer[]): Promise<WireMessage[]> {
  conn.send(...messages);
  return (await conn.untilReady(STEP_MS)).filter((m) => m.type !== 'N' && m.type !== 'S');
}

/** PG-106: protocol-level named prepared statements of several concurrent clients, each reused across transactions. */
export const namedStatementsConcurrentClients = definePgCase({
  id: 'PG-106',
  title: 'four clients each Parse a named statement of the same name, then Bind/Execute it concurrently in 5 transactions each: every client always runs its own statement',
  priority: 'p1',
  area: 'session-state',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY',
  timeoutMs: 30_000,
  async run(ctx) {
    const CLIENTS = 4;
    const ROUNDS = 5;
    const name = runName(ctx, 'pg106');
    const conns: WireConnection[] = [];
    for (let i = 0; i < CLIENTS; i++) conns.push((await openWire(ctx, { searchPath: false, params: { application_name: `hc-pg-106-${i}` } })).conn);
    // One after another: each Parse + Sync is a transaction of its own.
    for (const [i, conn] of conns.entries()) {
      const r = await exchange(conn, msg.parse(name, PG106_SQL(i)), msg.sync());
      const e = firstError(r);
      if (e?.C === '42P05') {
        return ctx.fail(`client ${i}'s Parse of ${name} failed with 42P05 (already exists): it was given a server session where another client had prepared that name; ${POOLER}`);
      }
      assert.equal(e, undefined, `client ${i}'s Parse of ${name} must succeed, got ${describeMessages(r)}`);
    }
    ctx.defer(async () => {
      for (const conn of conns) if (!conn.closed) await within(exchange(conn, msg.close('S', name), msg.sync()).catch(() => undefined), STEP_MS);
    });
    const problems: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // All clients at once, each Bind/Execute/Sync a transaction of its own.
      const answers = await Promise.all(conns.map((conn) => settle(exchange(conn, msg.bind('', name, [String(round)]), msg.execute(''), msg.sync()))));
      for (const [i, a] of answers.entries()) {
        if (!a.ok) throw a.error;
        const e = firstError(a.value);
        if (e) {
          problems.push(
            e.C === '26000'
              ? `round ${round}: client ${i}'s statement ${name} is gone (26000), prepared in an earlier transaction`
              : `round ${round}: client ${i}'s Bind/Execute failed with ${e.C ?? '?'} ${e.M ?? ''}`,
          );
          continue;
        }
        const rows = a.value.filter((m) => m.type === 'D').map((m) => textRow(m.body));
        const want = [String(round), String(i)];
        if (JSON.stringify(rows) !== JSON.stringify([want])) {
          const from = rows[0]?.[1];
          problems.push(from !== undefined && from !== String(i) ? `round ${round}: client ${i} executed client ${from}'s statement (got ${JSON.stringify(rows)})` : `round ${round}: client ${i} got ${JSON.stringify(rows)}, not ${JSON.stringify([want])}`);
        }
      }
      if (problems.length >= 3) break;
    }
    if (problems.length) return ctx.fail(`${problems.slice(0, 3).join('; ')}: named prepared statements do not belong to their client's session; ${POOLER}`);
  },
});
