// What the PostgreSQL adapter makes of a DSN and of an error, without a server (moved here from
// the postgres suite with the adapter).
import { describe, expect, it } from 'vitest';
import { CannotRunError } from '@helios-conformance/core';
import { classifyPgError, loginError, parsePgDsn } from '../src/postgres/index.js';

const where = { host: 'db.example', port: 5432, user: 'app', database: 'shop' };

describe('parsePgDsn', () => {
  it('applies libpq defaults and reads the TLS parameters', () => {
    expect(parsePgDsn('postgres://app@db.example')).toMatchObject({ host: 'db.example', port: 5432, user: 'app', database: 'app', sslmode: 'prefer', password: undefined });
    expect(parsePgDsn('postgres://db.example')).toMatchObject({ user: 'postgres', database: 'postgres' });
    expect(parsePgDsn('postgresql://a:p%40ss@[::1]:6543/x%20y?sslmode=verify-full&sslrootcert=/ca.pem&connect_timeout=3&application_name=me')).toMatchObject({
      host: '::1',
      port: 6543,
      password: 'p@ss',
      database: 'x y',
      sslmode: 'verify-full',
      sslrootcert: '/ca.pem',
      connectTimeoutMs: 3000,
      applicationName: 'me',
    });
  });

  it('says what is wrong without echoing the password', () => {
    for (const dsn of ['nonsense hunter2', 'http://u:hunter2@h/db', 'postgres://u:hunter2@h/db?sslmode=maybe', 'postgres://u:hunter2@h/db/extra', 'postgres://u:hunter2@/db', 'postgres://u:hunter2@h:99999/db', 'postgres://u:hunter2@h/db?connect_timeout=soon']) {
      let error: unknown;
      try {
        parsePgDsn(dsn);
      } catch (e) {
        error = e;
      }
      expect(error, dsn).toBeInstanceOf(CannotRunError);
      expect((error as Error).message, dsn).toMatch(/malformed --dsn/);
      expect((error as Error).message, dsn).not.toContain('hunter2');
    }
  });
});

describe('classifyPgError', () => {
  const server = (code: string, severity = 'ERROR'): Error => Object.assign(new Error(`server says ${code}`), { code, severity });

  it('turns what the server refused into fail, and connection trouble into error', () => {
    expect(classifyPgError(server('0A000')).verdict).toBe('fail');
    expect(classifyPgError(Object.assign(new Error('x'), { code: '42P01', name: 'PostgresError' })).verdict).toBe('fail');
    expect(classifyPgError(server('08006', 'FATAL')).verdict).toBe('fail');
    expect(classifyPgError(server('57P01', 'FATAL')).verdict).toBe('error');
    expect(classifyPgError(Object.assign(new Error('x'), { code: 'ECONNRESET' })).verdict).toBe('error');
    expect(classifyPgError(new Error('Connection terminated unexpectedly')).verdict).toBe('error');
  });

  it('judges an 08xxx ErrorResponse the endpoint sent (a login refusal) as refused, not as a lost connection', () => {
    // PgBouncer answers a wrong password with 08P01 where PostgreSQL says 28P01.
    const bouncer = Object.assign(new Error('password authentication failed'), { code: '08P01', severity: 'FATAL' });
    expect(classifyPgError(bouncer)).toEqual({ kind: 'refused', code: '08P01', message: 'password authentication failed', verdict: 'fail' });
    expect(classifyPgError(server('08006', 'ERROR'))).toMatchObject({ kind: 'refused', code: '08006', verdict: 'fail' });
    expect(classifyPgError(Object.assign(new Error('x'), { code: '08001', name: 'PostgresError' }))).toMatchObject({ kind: 'refused', verdict: 'fail' });
    // The server going away stays a lost session, even though it says so in an ErrorResponse.
    for (const code of ['57P01', '57P02', '57P03']) expect(classifyPgError(server(code, 'FATAL')), code).toMatchObject({ kind: 'connection-lost', code, verdict: 'error' });
    // A class-08 code with no ErrorResponse behind it (no severity) was made up by a client.
    expect(classifyPgError(Object.assign(new Error('connection failure'), { code: '08006' }))).toMatchObject({ kind: 'connection-lost', code: '08006', verdict: 'error' });
  });

  it('names the concurrency aborts, a refusal, a lost connection and anything else', () => {
    expect(classifyPgError(server('40001'))).toEqual({ kind: 'serialization-failure', code: '40001', message: 'server says 40001', verdict: 'fail' });
    expect(classifyPgError(server('40P01'))).toMatchObject({ kind: 'deadlock', verdict: 'fail' });
    expect(classifyPgError(server('55P03'))).toMatchObject({ kind: 'lock-timeout', verdict: 'fail' });
    expect(classifyPgError(server('23505'))).toMatchObject({ kind: 'refused', code: '23505', verdict: 'fail' });
    expect(classifyPgError(server('57P01', 'FATAL'))).toMatchObject({ kind: 'connection-lost', verdict: 'error' });
    expect(classifyPgError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toMatchObject({ kind: 'connection-lost', verdict: 'error' });
    // A SQLSTATE without a severity was made up by a client, not sent by the server.
    expect(classifyPgError(Object.assign(new Error('x'), { code: '23505' }))).toMatchObject({ kind: 'other', verdict: 'error' });
    expect(classifyPgError(new TypeError('undefined is not a function'))).toMatchObject({ kind: 'other', code: undefined, verdict: 'error' });
  });
});

describe('loginError', () => {
  const line = (e: unknown): string => {
    const r = loginError(e, where);
    expect(r).toBeInstanceOf(CannotRunError);
    expect(r.message).not.toContain('\n');
    return r.message;
  };

  it('says what to fix for each refusal the server sends at login', () => {
    expect(line(server('28P01'))).toBe('password authentication failed for user "app" at db.example:5432; check the user and password in --dsn');
    expect(line(server('28000'))).toMatch(/rejected user "app" \(28000: .*\); check pg_hba\.conf/);
    expect(line(server('3D000'))).toBe('database "shop" does not exist at db.example:5432; fix the database name in --dsn');
    expect(line(server('53300'))).toMatch(/too many connections \(53300\)/);
    expect(line(server('57P03'))).toMatch(/starting up or shutting down \(57P03\)/);
  });

  it('says what to fix when the socket, TLS or the protocol is the problem', () => {
    expect(line(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatch(/^nothing is listening at db\.example:5432/);
    expect(line(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toMatch(/^TLS verification of db\.example:5432 failed .*sslrootcert=FILE/);
    expect(line(new Error('timeout expired'))).toMatch(/timed out/);
    expect(line(new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'))).toMatch(/wants a password for user "app"/);
    expect(line(new Error('Connection terminated unexpectedly'))).toMatch(/does not speak the PostgreSQL protocol/);
    expect(line(new Error('something else\nwith a second line'))).toBe('cannot log in to db.example:5432: something else');
  });

  function server(code: string): Error {
    return Object.assign(new Error(`server says ${code}`), { code, severity: 'FATAL' });
  }
});
