// MySQL DSNs: what parseMysqlDsn takes apart and the one line it refuses a malformed one with
// (moved here from the mysql suite's catalog test, with the cases the suite did not cover).
import { describe, expect, it } from 'vitest';
import { CannotRunError } from '@helios-conformance/core';
import { parseMysqlDsn } from '../src/mysql/index.js';

const SECRET = 'S3cret-Never-Shown';

function refusal(dsn: string): string {
  try {
    parseMysqlDsn(dsn);
  } catch (e) {
    expect(e).toBeInstanceOf(CannotRunError);
    return (e as Error).message;
  }
  throw new Error(`${dsn} was accepted`);
}

describe('parseMysqlDsn', () => {
  it('takes a DSN apart, decoding %-escapes and normalising ssl-mode', () => {
    expect(parseMysqlDsn('mysql://u:p%40ss@db.example:3307/app?ssl-mode=verify_identity&ssl-ca=/x.pem')).toMatchObject({
      host: 'db.example',
      port: 3307,
      user: 'u',
      password: 'p@ss',
      database: 'app',
      sslMode: 'VERIFY_IDENTITY',
      sslCa: '/x.pem',
    });
  });

  it('defaults: port 3306, ssl-mode PREFERRED, no password, no database; mariadb:// is accepted', () => {
    expect(parseMysqlDsn('mariadb://u@h')).toMatchObject({ host: 'h', port: 3306, user: 'u', password: undefined, database: undefined, sslMode: 'PREFERRED' });
  });

  it('accepts the other spellings of ssl-mode and the TLS file parameters', () => {
    expect(parseMysqlDsn('mysql://u@h/db?sslMode=Verify-CA').sslMode).toBe('VERIFY_CA');
    expect(parseMysqlDsn('mysql://u@h/db?ssl=true').sslMode).toBe('REQUIRED');
    expect(parseMysqlDsn('mysql://u@h/db?sslmode=disable').sslMode).toBe('DISABLED');
    expect(parseMysqlDsn('mysql://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem').sslMode).toBe('VERIFY_IDENTITY');
    expect(parseMysqlDsn('mysql://u@h/db?ssl-cert=/c.pem&ssl-key=/k.pem')).toMatchObject({ sslCert: '/c.pem', sslKey: '/k.pem' });
  });

  it('reads connect-timeout in milliseconds (0 means the default)', () => {
    expect(parseMysqlDsn('mysql://u@h/db?connect-timeout=2500').connectTimeoutMs).toBe(2500);
    expect(parseMysqlDsn('mysql://u@h/db?connectTimeout=0').connectTimeoutMs).toBeUndefined();
    expect(refusal('mysql://u@h/db?connect-timeout=2s')).toMatch(/connect-timeout must be a whole number of milliseconds/);
  });

  it('keeps an IPv6 host without its brackets', () => {
    expect(parseMysqlDsn('mysql://u@[::1]:3307/db')).toMatchObject({ host: '::1', port: 3307 });
  });

  it('refuses malformed DSNs with one line that never quotes the password', () => {
    const lines = [
      [`postgres://u:${SECRET}@h/db`, /scheme must be mysql:\/\/ or mariadb:\/\/, not postgres:\/\//],
      [`mysql://u:${SECRET}@h/db?ssl-mode=sometimes`, /ssl-mode must be one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY, got "sometimes"/],
      [`mysql://:${SECRET}@h/db`, /no user name/],
      [`mysql://u:${SECRET}@[::1/db`, /malformed --dsn: expected a URL like mysql:\/\//],
      [`mysql://u:${SECRET}@h:99999/db`, /malformed --dsn/],
      [`mysql://u:${SECRET}@h/db/extra`, /the path must be just the database name/],
      [`mysql://u:${SECRET}@h/%E0%A4%A`, /database name has an invalid %-escape/],
    ] as const;
    for (const [dsn, pattern] of lines) {
      const message = refusal(dsn);
      expect(message).toMatch(pattern);
      expect(message).not.toContain('\n');
      expect(message).not.toContain(SECRET);
    }
  });
});
