import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { rewriteSql, runCli, startProxy, testServer, type FrameHook, type PgFrame } from '@helios-conformance/suite-kit';

// The no-harm promise when the endpoint drops session state: behind a pooler that resets server
// connections (PgBouncer's server_reset_query_always=1: DISCARD ALL between transactions) the
// suite's own `SET search_path` to the run schema is lost, and an unqualified CREATE lands in
// whatever the role's default search_path points at (`"$user", public`). Here a mutant endpoint
// (the test server's PostgreSQL 15 behind the kit's framing proxy) turns every `SET search_path …`
// the client sends into `SET search_path TO DEFAULT`: same tag (SET), search_path left at the
// role's default. The whole catalog runs through it, in a database of its own whose DDL on
// `public` is recorded by an event trigger: nothing may ever be created there, and the verdicts
// must be the direct run's but for the cases whose subject is search_path itself.

/** Cases whose subject is the session's search_path: through the mutant they must fail. */
const SEARCH_PATH_CASES: Record<string, RegExp> = {
  // "the session must be in the run namespace after SET search_path"
  'PG-001': /run namespace after SET search_path/,
  // current_schema() and SHOW search_path must be the run schema
  'PG-099': /current_schema\(\) must be the run schema/,
};

/** Every `SET [SESSION|LOCAL] search_path …` statement becomes a no-op with the same command tag. */
const dropSetSearchPath = (): FrameHook<PgFrame> =>
  rewriteSql<PgFrame>((sql) => sql.replace(/\bSET\s+(SESSION\s+|LOCAL\s+)?search_path\s*(TO|=)\s*[^;]*/gi, 'SET search_path TO DEFAULT'));

const PUBLIC_OBJECTS = `
  SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace)::int AS rels,
         (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace)::int AS procs,
         (SELECT count(*) FROM pg_type WHERE typnamespace = 'public'::regnamespace)::int AS types`;

// Records every DDL command on an object in public (created, altered, whatever became of it later).
const AUDIT = `
  CREATE SCHEMA audit;
  CREATE TABLE audit.public_ddl (tag text, kind text, identity text);
  CREATE FUNCTION audit.record_public_ddl() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
  BEGIN
    INSERT INTO audit.public_ddl
      SELECT command_tag, object_type, object_identity FROM pg_event_trigger_ddl_commands() WHERE schema_name = 'public';
  END $$;
  CREATE EVENT TRIGGER record_public_ddl ON ddl_command_end EXECUTE FUNCTION audit.record_public_ddl();`;

describe('a run whose SET search_path is lost (mutant: every SET search_path is a no-op)', () => {
  const server = testServer('postgres');
  const database = `searchpath_${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'hc-pg-search-path-'));
  // Plain TCP for the direct run too: the proxy declines TLS, and the verdicts are compared.
  const dsnOf = (db: string): string => {
    const u = new URL(server.dsn);
    u.pathname = `/${db}`;
    u.searchParams.set('sslmode', 'disable');
    return u.toString();
  };
  const query = async <T,>(db: string, sql: string): Promise<T[]> => {
    const c = new pg.Client({ connectionString: dsnOf(db) });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const verdicts = (file: string): Record<string, { status: string; message?: string }> =>
    Object.fromEntries((JSON.parse(readFileSync(join(dir, file), 'utf8')).results as { id: string; status: string; message?: string }[]).map((r) => [r.id, r]));
  const leftover = (): Promise<{ nspname: string }[]> => query(database, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hc\\_%'");

  let before: unknown;
  let mutations = 0;
  const runs: Record<string, { code: number | null; stderr: string }> = {};
  const leftAfter: Record<string, unknown> = {};

  beforeAll(async () => {
    await query(server.database, `CREATE DATABASE ${database}`);
    await query(database, AUDIT);
    before = (await query(database, PUBLIC_OBJECTS))[0];
    const direct = await runCli(['--dsn', dsnOf(database), '--seed', '42', '--json', join(dir, 'direct.json')], { timeoutMs: 240_000 });
    runs.direct = direct;
    leftAfter.direct = await leftover();
    const proxy = await startProxy({ family: 'postgres', upstream: server, client: dropSetSearchPath() });
    try {
      const lost = await runCli(['--dsn', proxy.dsnVia(dsnOf(database)), '--seed', '42', '--json', join(dir, 'lost.json')], { timeoutMs: 240_000 });
      runs.lost = lost;
      mutations = proxy.mutations();
    } finally {
      await proxy.stop();
    }
    leftAfter.lost = await leftover();
  }, 600_000);

  afterAll(async () => {
    await query(server.database, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the proxy dropped the suite’s SET search_path', () => {
    expect(runs.lost?.code, runs.lost?.stderr).not.toBe(2);
    expect(mutations).toBeGreaterThan(0);
  });

  it('creates nothing in public, ever', async () => {
    const ddl = await query<{ tag: string; identity: string }>(database, 'SELECT tag, identity FROM audit.public_ddl');
    const tables = new Set(ddl.filter((d) => d.tag === 'CREATE TABLE').map((d) => d.identity));
    expect({ ddl: ddl.length, tables: tables.size, first: ddl.slice(0, 5).map((d) => `${d.tag} ${d.identity}`) }).toEqual({ ddl: 0, tables: 0, first: [] });
    expect((await query(database, PUBLIC_OBJECTS))[0]).toEqual(before);
  });

  it('judges as the direct run does, except the cases whose subject is search_path', () => {
    const direct = verdicts('direct.json');
    const lost = verdicts('lost.json');
    expect(Object.keys(lost)).toEqual(Object.keys(direct));
    const differ = Object.keys(direct)
      .filter((id) => direct[id]?.status !== lost[id]?.status)
      .map((id) => `${id} ${direct[id]?.status} → ${lost[id]?.status}: ${lost[id]?.message ?? ''}`);
    expect(differ.filter((d) => !(d.split(' ')[0]! in SEARCH_PATH_CASES))).toEqual([]);
    for (const [id, why] of Object.entries(SEARCH_PATH_CASES)) {
      expect(lost[id]?.status, id).toBe('fail');
      expect(lost[id]?.message, id).toMatch(why);
    }
  });

  it('leaves no run namespace behind, either way', () => {
    expect(leftAfter).toEqual({ direct: [], lost: [] });
  });
});
