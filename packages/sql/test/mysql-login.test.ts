// Logging in to a MySQL endpoint: fromDsn against the test MariaDBs and a PostgreSQL server, and
// loginError's one line for each failure (moved here from the mysql suite's CLI test, which keeps
// only the CLI contract: exit 2, one line, no password).
import { describe, expect, it } from 'vitest';
import { CannotRunError } from '@helios-conformance/core';
import { leftoverNamespaces, testServer, withParams } from '@helios-conformance/suite-kit';
import { findFreePort } from '@helios-conformance/testbed';
import { fromDsn, loginError } from '../src/mysql/index.js';

const SECRET = 'S3cret-Never-Shown';

async function refusal(dsn: string, secret = SECRET): Promise<string> {
  const t0 = Date.now();
  try {
    const s = await fromDsn(dsn);
    await s.close();
  } catch (e) {
    expect(e).toBeInstanceOf(CannotRunError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain(secret);
    expect(Date.now() - t0).toBeLessThan(10_000);
    return message;
  }
  throw new Error('the login succeeded');
}

describe('fromDsn', () => {
  it('logs in with TLS verified, observes the endpoint and drops its database at close', async () => {
    const s = testServer('mariadb');
    const session = await fromDsn(withParams(s.dsn, { 'ssl-mode': 'VERIFY_IDENTITY', 'ssl-ca': s.caCertPath ?? '' }));
    const namespace = session.target.namespace;
    try {
      expect(namespace).toBe(`hc_${session.target.runId}`);
      expect(session.target.tls).toBe(true);
      expect(session.target.connection.tlsVerified).toBe(true);
      expect(session.capabilities).toEqual(expect.arrayContaining(['mysql-protocol-v10', 'tls', 'tls-verified', 'create-user']));
      expect(session.target.settings.maxAllowedPacket).toBeGreaterThan(0);
      expect(session.secrets).toEqual([s.password]);
      expect(await leftoverNamespaces(s.dsn)).toContain(namespace);
    } finally {
      await session.close();
    }
    expect(await leftoverNamespaces(s.dsn)).not.toContain(namespace);
  });

  it('a wrong password', async () => {
    const { port } = testServer('mariadb');
    expect(await refusal(`mysql://hc:${SECRET}@127.0.0.1:${port}/hc`)).toMatch(/^access denied for user "hc" at 127\.0\.0\.1:\d+ \(1045\); check the user and password in --dsn$/);
  });

  it('an unknown database', async () => {
    const { port, password } = testServer('mariadb');
    expect(await refusal(`mysql://hc:${encodeURIComponent(password)}@127.0.0.1:${port}/hc_nope`, password)).toMatch(/database "hc_nope" does not exist at 127\.0\.0\.1:\d+ \(1049\)/);
  });

  it('nothing listening', async () => {
    const port = await findFreePort();
    expect(await refusal(`mysql://hc:${SECRET}@127.0.0.1:${port}/hc`)).toMatch(/nothing is listening at 127\.0\.0\.1:\d+/);
  });

  it('a PostgreSQL server on that port', async () => {
    const { port } = testServer('postgres');
    expect(await refusal(`mysql://hc:${SECRET}@127.0.0.1:${port}/hc`)).toMatch(/does not speak the MySQL protocol \(it is a PostgreSQL server/);
  });

  it('TLS required but not offered', async () => {
    const { port, password } = testServer('mariadbSnapshot');
    const dsn = `mysql://hc:${encodeURIComponent(password)}@127.0.0.1:${port}/hc?ssl-mode=REQUIRED`;
    expect(await refusal(dsn, password)).toMatch(/ssl-mode=REQUIRED but the server at 127\.0\.0\.1:\d+ does not offer TLS/);
  });

  it('TLS verification without the CA', async () => {
    const { port, password } = testServer('mariadb');
    const dsn = `mysql://hc:${encodeURIComponent(password)}@127.0.0.1:${port}/hc?ssl-mode=VERIFY_CA`;
    expect(await refusal(dsn, password)).toMatch(/TLS verification of 127\.0\.0\.1:\d+ failed .*; pass the server's CA as ssl-ca=FILE or use ssl-mode=REQUIRED/);
  });

  it('an unreadable ssl-ca file', async () => {
    const { port } = testServer('mariadb');
    expect(await refusal(`mysql://hc:${SECRET}@127.0.0.1:${port}/hc?ssl-mode=VERIFY_CA&ssl-ca=/nonexistent/ca.pem`)).toMatch(/cannot read ssl-ca file \/nonexistent\/ca\.pem \(ENOENT\)/);
  });
});

describe('loginError', () => {
  const p = { host: 'db.example', port: 3306, user: 'app', database: 'shop' };
  const line = (e: unknown): string => loginError(e, p).message;

  it('names what to fix for each server refusal', () => {
    expect(line({ errno: 1044, message: 'x' })).toBe('user "app" may not use database "shop" at db.example:3306 (1044); fix the database in --dsn');
    expect(line({ errno: 1040, message: 'x' })).toBe('the server at db.example:3306 has too many connections (1040); try again later');
    expect(line({ errno: 1129, message: 'x' })).toBe('the server at db.example:3306 blocked this host (1129); run mysqladmin flush-hosts');
    expect(line({ errno: 1251, message: 'Client does not support authentication protocol' })).toMatch(/asks for an authentication plugin the client does not support \(1251: Client does not support/);
  });

  it('names what to fix for each client-side failure, and quotes the driver otherwise', () => {
    expect(line({ code: 'HANDSHAKE_NO_SSL_SUPPORT', message: 'x' })).toMatch(/TLS was requested but the server at db\.example:3306 does not offer it/);
    expect(line({ code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' })).toMatch(/logging in to db\.example:3306 timed out; is the server overloaded or not MySQL-compatible\?/);
    expect(line({ code: 'EWHATEVER', message: 'something odd\nsecond line' })).toBe('cannot log in to db.example:3306: EWHATEVER: something odd');
  });
});
