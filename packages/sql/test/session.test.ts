// The dialect-neutral SQL sessions against real PostgreSQL 15 and MariaDB 10.11 (the package's
// test servers, and a MariaDB with innodb_snapshot_isolation=ON): parameters, every level, real
// serialization failures / write conflicts / deadlocks / lock timeouts classified from what the
// server sent, killSession, abort of a blocked statement, and cleanup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannotRunError } from '@helios-conformance/core';
import { testServer, type TestServer } from '@helios-conformance/suite-kit';
import { openSqlEndpoint as fromDsn, rewritePlaceholders, type ClassifiedError, type SqlEndpoint } from '../src/index.js';

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

/** Starts `p` and reports whether it is still pending after `ms` (i.e. blocked). */
async function pendingAfter(p: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return !done;
}

describe('rewritePlaceholders', () => {
  it('numbers ? outside literals, identifiers, comments and dollar quotes', () => {
    expect(rewritePlaceholders("SELECT ?, '?', \"a?\", ? -- ?\n, $$?$$, $t$ ? $t$, ? /* ? */")).toBe(
      "SELECT $1, '?', \"a?\", $2 -- ?\n, $$?$$, $t$ ? $t$, $3 /* ? */",
    );
    expect(rewritePlaceholders("SELECT 'it''s ?', ?")).toBe("SELECT 'it''s ?', $1");
  });
});

describe('fromDsn dispatch', () => {
  it('refuses an unknown scheme with one line (exit 2)', async () => {
    const e = await caught(fromDsn('oracle://u:p@h/db'));
    expect(e).toBeInstanceOf(CannotRunError);
    expect((e as Error).message).toMatch(/postgres:\/\/.*mysql:\/\/.*not oracle:\/\//);
    expect((e as Error).message).not.toContain('\n');
  });
});

type Family = { name: string; server: string };

const families: Family[] = [
  { name: 'PostgreSQL 15', server: 'postgres' },
  { name: 'MariaDB 10.11', server: 'mariadb' },
];

describe.each(families)('$name', ({ server: name }) => {
  let server: TestServer;
  let ep: SqlEndpoint;
  const t = (name: string): string => ep.qualify(name);

  beforeAll(async () => {
    server = testServer(name);
    ep = await fromDsn(server.dsn, { timeoutMs: 10_000 });
  }, 120_000);
  afterAll(async () => {
    await ep?.close();
  });

  async function withTable(name: string, rows: Array<[number, number]>): Promise<string> {
    const s = await ep.open();
    try {
      await s.query(`CREATE TABLE ${t(name)} (id int primary key, value int)`);
      for (const [id, value] of rows) await s.query(`INSERT INTO ${t(name)} (id, value) VALUES (?, ?)`, [id, value]);
    } finally {
      await s.close();
    }
    return t(name);
  }

  it('rejects a wrong password as CannotRunError naming no password', async () => {
    const bad = server.dsn.replace(`:${encodeURIComponent(server.password)}@`, ':wrong-pass@');
    const e = await caught(fromDsn(bad, { timeoutMs: 5_000 }));
    expect(e).toBeInstanceOf(CannotRunError);
    expect((e as Error).message).not.toContain(server.password);
  });

  it('reports the server it reached', () => {
    expect(ep.server).toMatch(ep.dialect === 'postgres' ? /^PostgreSQL 15\./ : /MariaDB/);
  });

  it('classifies a statement the server refused as refused, a failure of the endpoint', async () => {
    const s = await ep.open();
    try {
      const e = ep.classify(await caught(s.query('SELECT * FROM no_such_table_hc')));
      expect(e).toMatchObject({ kind: 'refused', code: ep.dialect === 'postgres' ? '42P01' : '1146', verdict: 'fail' });
    } finally {
      await s.close();
    }
  });

  it('runs queries with ? parameters and lower-case column names', async () => {
    const tab = await withTable('params', [[1, 10]]);
    const s = await ep.open();
    try {
      expect(s.backendId).toBeGreaterThan(0);
      const ins = await s.query(`INSERT INTO ${tab} (id, value) VALUES (?, ?), (?, ?)`, [2, 20, 3, 30]);
      expect(ins.affected).toBe(2);
      const r = await s.query(`SELECT id AS "ID", value, '?' AS q FROM ${tab} WHERE id >= ? AND value < ? ORDER BY id`.replaceAll('"', ep.dialect === 'mysql' ? '`' : '"'), [2, 30]);
      expect(r.rows.map((x) => [Number(x.id), Number(x.value), x.q])).toEqual([[2, 20, '?']]);
      const upd = await s.query(`UPDATE ${tab} SET value = value + 1 WHERE id <= ?`, [2]);
      expect(upd.affected).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('observes every ANSI level as accepted and begins each', async () => {
    expect([...ep.levels]).toEqual(['read uncommitted', 'read committed', 'repeatable read', 'serializable']);
    const s = await ep.open();
    try {
      for (const level of ep.levels) {
        await s.begin(level);
        if (ep.dialect === 'postgres') {
          const r = await s.query('SHOW transaction_isolation');
          expect(r.rows[0]?.transaction_isolation).toBe(level);
        }
        await s.rollback();
      }
      expect(await caught(s.begin('snapshot'))).toBeInstanceOf(Error);
    } finally {
      await s.close();
    }
  });

  it('classifies a real deadlock', async () => {
    const tab = await withTable('deadlock', [
      [1, 10],
      [2, 20],
    ]);
    const [a, b] = [await ep.open(), await ep.open()];
    try {
      await a.begin('read committed');
      await b.begin('read committed');
      await a.query(`UPDATE ${tab} SET value = 11 WHERE id = 1`);
      await b.query(`UPDATE ${tab} SET value = 22 WHERE id = 2`);
      const pa = a.query(`UPDATE ${tab} SET value = 12 WHERE id = 2`).then(() => null, (e: unknown) => ep.classify(e));
      await new Promise((r) => setTimeout(r, 200));
      const pb = b.query(`UPDATE ${tab} SET value = 21 WHERE id = 1`).then(() => null, (e: unknown) => ep.classify(e));
      const outcomes = (await Promise.all([pa, pb])).filter((x): x is ClassifiedError => x !== null);
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]?.kind).toBe('deadlock');
      expect(outcomes[0]?.code).toBe(ep.dialect === 'postgres' ? '40P01' : '1213');
    } finally {
      await a.rollback();
      await b.rollback();
      await a.close();
      await b.close();
    }
  });

  it('classifies a real lock timeout', async () => {
    const tab = await withTable('locktimeout', [[1, 10]]);
    const [a, b] = [await ep.open(), await ep.open()];
    try {
      await b.query(ep.dialect === 'postgres' ? "SET lock_timeout = '300ms'" : 'SET SESSION innodb_lock_wait_timeout = 1');
      await a.begin('read committed');
      await b.begin('read committed');
      await a.query(`UPDATE ${tab} SET value = 11 WHERE id = 1`);
      const e = ep.classify(await caught(b.query(`UPDATE ${tab} SET value = 12 WHERE id = 1`)));
      expect(e.kind).toBe('lock-timeout');
      expect(e.code).toBe(ep.dialect === 'postgres' ? '55P03' : '1205');
    } finally {
      await a.rollback();
      await b.rollback();
      await a.close();
      await b.close();
    }
  });

  it('classifies the write-skew conflict under serializable as the server reported it', async () => {
    const tab = await withTable('serial', [
      [1, 10],
      [2, 20],
    ]);
    const [a, b] = [await ep.open(), await ep.open()];
    try {
      await a.begin('serializable');
      await b.begin('serializable');
      await a.query(`SELECT * FROM ${tab}`);
      await b.query(`SELECT * FROM ${tab}`);
      if (ep.dialect === 'postgres') {
        // SSI: both updates go through, the second commit fails with 40001.
        await a.query(`UPDATE ${tab} SET value = 11 WHERE id = 1`);
        await b.query(`UPDATE ${tab} SET value = 21 WHERE id = 2`);
        await a.commit();
        const e = ep.classify(await caught(b.commit()));
        expect(e).toMatchObject({ kind: 'serialization-failure', code: '40001' });
      } else {
        // InnoDB's serializable reads take shared locks: the two updates wait on each other and one
        // is chosen as the deadlock victim. SQLSTATE is 40001, but errno 1213 wins: a deadlock.
        const pa = a.query(`UPDATE ${tab} SET value = 11 WHERE id = 1`).then(() => null, (e: unknown) => e);
        await new Promise((r) => setTimeout(r, 200));
        const pb = b.query(`UPDATE ${tab} SET value = 21 WHERE id = 2`).then(() => null, (e: unknown) => e);
        const errors = (await Promise.all([pa, pb])).filter((x) => x !== null);
        expect(errors).toHaveLength(1);
        expect((errors[0] as { sqlState?: string }).sqlState).toBe('40001');
        expect(ep.classify(errors[0])).toMatchObject({ kind: 'deadlock', code: '1213' });
      }
    } finally {
      await a.rollback();
      await b.rollback();
      await a.close();
      await b.close();
    }
  });

  it('killSession: the victim sees connection-lost and its uncommitted writes are gone', async () => {
    const tab = await withTable('kill', [[1, 10]]);
    const victim = await ep.open();
    const observer = await ep.open();
    try {
      await victim.begin('read committed');
      await victim.query(`UPDATE ${tab} SET value = 99 WHERE id = 1`);
      await ep.killSession(victim.backendId);
      const e = ep.classify(await caught(victim.query('SELECT 1')));
      expect(e).toMatchObject({ kind: 'connection-lost', verdict: 'error' });
      const r = await observer.query(`SELECT value FROM ${tab} WHERE id = ?`, [1]);
      expect(Number(r.rows[0]?.value)).toBe(10);
      await victim.rollback(); // never throws on a gone session
    } finally {
      await victim.close();
      await observer.close();
    }
  });

  it('an abort during a blocked statement destroys the session at once', async () => {
    const tab = await withTable('abort', [[1, 10]]);
    const [holder, victim, observer] = [await ep.open(), await ep.open(), await ep.open()];
    try {
      await holder.begin('read committed');
      await holder.query(`UPDATE ${tab} SET value = 11 WHERE id = 1`);
      await victim.begin('read committed');
      const ac = new AbortController();
      const blocked = victim.query(`UPDATE ${tab} SET value = 12 WHERE id = 1`, [], ac.signal);
      expect(await pendingAfter(blocked, 400)).toBe(true);
      const t0 = Date.now();
      ac.abort(new Error('deadline'));
      const e = ep.classify(await caught(blocked));
      expect(Date.now() - t0).toBeLessThan(200);
      expect(e.kind).toBe('connection-lost');
      expect(ep.classify(await caught(victim.query('SELECT 1'))).kind).toBe('connection-lost');
      // The server ends the victim's transaction: the holder can commit and the victim's write never lands.
      await holder.commit();
      const deadline = Date.now() + 10_000;
      const alive = async (): Promise<boolean> =>
        ep.dialect === 'postgres'
          ? (await observer.query('SELECT 1 FROM pg_stat_activity WHERE pid = ?', [victim.backendId])).rows.length > 0
          : (await observer.query('SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?', [victim.backendId])).rows.length > 0;
      while ((await alive()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await alive()).toBe(false);
      const r = await observer.query(`SELECT value FROM ${tab} WHERE id = 1`);
      expect(Number(r.rows[0]?.value)).toBe(11);
    } finally {
      await holder.rollback();
      await holder.close();
      await victim.close();
      await observer.close();
    }
  });

  it('close() ends leftover sessions, even a blocked one, and drops the namespace', async () => {
    const second = await fromDsn(server.dsn, { timeoutMs: 10_000 });
    const s = await second.open();
    await s.query(`CREATE TABLE ${second.qualify('left')} (id int primary key, value int)`);
    await s.query(`INSERT INTO ${second.qualify('left')} VALUES (1, 10)`);
    await s.begin('serializable');
    await s.query(`UPDATE ${second.qualify('left')} SET value = 11 WHERE id = 1`);
    const w = await second.open();
    await w.begin('read committed');
    const blocked = w.query(`UPDATE ${second.qualify('left')} SET value = 12 WHERE id = 1`).catch((e: unknown) => second.classify(e));
    expect(await pendingAfter(blocked, 300)).toBe(true);
    const t0 = Date.now();
    await second.close();
    expect(Date.now() - t0).toBeLessThan(10_000);
    // Both leftovers are killed at once: the waiter either fails with its session, or completes
    // in the instant after the holder died and then loses its session. Either way it settled.
    const outcome = await blocked;
    if ('kind' in outcome) expect(outcome.kind).toBe('connection-lost');
    else expect(second.classify(await w.query('SELECT 1').catch((e: unknown) => e)).kind).toBe('connection-lost');
    const check = await ep.open();
    try {
      const r =
        ep.dialect === 'postgres'
          ? await check.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [second.namespace])
          : await check.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [second.namespace]);
      expect(r.rows).toEqual([]);
    } finally {
      await check.close();
    }
    await second.close(); // idempotent
  });
});

describe('MariaDB 10.11 with innodb_snapshot_isolation=ON', () => {
  let ep: SqlEndpoint;
  beforeAll(async () => {
    ep = await fromDsn(testServer('mariadbSnapshot').dsn, { timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await ep?.close();
  });

  it('classifies 1020 (record changed since last read) as a serialization failure, like PostgreSQL 40001', async () => {
    const tab = ep.qualify('conflict');
    const setup = await ep.open();
    await setup.query(`CREATE TABLE ${tab} (id int primary key, value int)`);
    await setup.query(`INSERT INTO ${tab} VALUES (1, 10)`);
    await setup.close();
    const [a, b] = [await ep.open(), await ep.open()];
    try {
      await a.begin('repeatable read');
      await a.query(`SELECT value FROM ${tab} WHERE id = 1`);
      await b.query(`UPDATE ${tab} SET value = 20 WHERE id = 1`);
      const raw = await caught(a.query(`UPDATE ${tab} SET value = 11 WHERE id = 1`));
      expect((raw as { errno?: number }).errno).toBe(1020);
      expect(ep.classify(raw)).toMatchObject({ kind: 'serialization-failure', code: '1020', verdict: 'fail' });
    } finally {
      await a.rollback();
      await a.close();
      await b.close();
    }
  });
});
