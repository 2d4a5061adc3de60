// The reference endpoint's SQL rewrites and the DSN parser: pure functions, no server.
import { describe, expect, it } from 'vitest';
import { bindMarkers, databricksError, parseDatabricksDsn, statementKind, toPostgres } from '../src/index.js';

describe('bindMarkers', () => {
  it('numbers ? markers and leaves literals, comments and casts alone', () => {
    const r = bindMarkers("SELECT ?, '?', \"?\", x::int, ? -- ?\n/* ? */");
    expect(r.text).toBe("SELECT $1, '?', \"?\", x::int, $2 -- ?\n/* ? */");
    expect(r.markers).toEqual([{ index: 1 }, { index: 2 }]);
  });
  it('gives a named marker used twice one $n', () => {
    const r = bindMarkers("SELECT :a, :b, :a + 1, ':a'");
    expect(r.text).toBe("SELECT $1, $2, $1 + 1, ':a'");
    expect(r.markers).toEqual([{ index: 1, name: 'a' }, { index: 2, name: 'b' }]);
  });
});

describe('toPostgres', () => {
  it('rewrites range(), array(), named_struct(), unhex() and Spark type names', () => {
    expect(toPostgres('SELECT id FROM range(10) ORDER BY id').text).toBe('SELECT id FROM generate_series((0)::bigint, (10)::bigint - 1) AS range(id) ORDER BY id');
    expect(toPostgres('SELECT a.id FROM range(5) a CROSS JOIN range(2, 4) AS b').text).toBe(
      'SELECT a.id FROM generate_series((0)::bigint, (5)::bigint - 1) AS a(id) CROSS JOIN generate_series((2)::bigint, (4)::bigint - 1) AS b(id)',
    );
    expect(toPostgres("SELECT array(1, (2), 3), named_struct('x', 1), unhex('00ff')").text).toBe("SELECT ARRAY[1, (2), 3], json_build_object('x', 1), decode('00ff', 'hex')");
    expect(toPostgres('CREATE TABLE t (s STRING, b BINARY, ts TIMESTAMP, d DOUBLE)').text).toBe('CREATE TABLE t (s TEXT, b BYTEA, ts TIMESTAMPTZ, d DOUBLE PRECISION)');
    expect(toPostgres('SELECT CAST(x AS DOUBLE), CAST(y AS STRING), `odd name`').text).toBe('SELECT CAST(x AS DOUBLE PRECISION), CAST(y AS TEXT), "odd name"');
    expect(toPostgres("SELECT 'range(1)', 'array(2)'").text).toBe("SELECT 'range(1)', 'array(2)'");
  });
  it('classifies statements by their first keyword', () => {
    expect(['SELECT 1', ' with x as (select 1) select * from x', 'INSERT INTO t VALUES (1)', 'SET a = b', 'CREATE TABLE t (a INT)', '-- c\nSELECT 1'].map(statementKind)).toEqual(['query', 'query', 'dml', 'set', 'ddl', 'query']);
  });
});

describe('databricksError', () => {
  it('names the error class and SQLSTATE the way Databricks does', () => {
    expect(databricksError({ code: '42601', message: 'syntax error at or near "SELEC"' })).toEqual({ message: '[PARSE_SYNTAX_ERROR] Syntax error at or near "SELEC". SQLSTATE: 42601', sqlState: '42601' });
    expect(databricksError({ code: '42P01', message: 'relation "hc_x.t" does not exist' }).message).toBe('[TABLE_OR_VIEW_NOT_FOUND] The table or view `hc_x.t` cannot be found. SQLSTATE: 42P01');
  });
});

describe('parseDatabricksDsn', () => {
  it('takes host, port, HTTP path and token', () => {
    expect(parseDatabricksDsn('databricks://token:dapi%2Fx@example.cloud.databricks.com/sql/1.0/warehouses/abc')).toEqual({ host: 'example.cloud.databricks.com', port: 443, path: '/sql/1.0/warehouses/abc', token: 'dapi/x', verify: true });
    expect(parseDatabricksDsn('databricks://token:t@127.0.0.1:8443/dbsql?verify=false')).toMatchObject({ port: 8443, path: '/dbsql', verify: false });
  });
  it.each([
    ['databricks://token:t@[::1', /malformed --dsn/],
    ['postgres://token:t@h/p', /scheme must be databricks/],
    ['databricks://user:t@h/p', /user must be "token"/],
    ['databricks://token@h/p', /has no token/],
    ['databricks://token:t@h', /no HTTP path/],
    ['databricks://token:t@h/p?cert=x', /option "cert" is unknown/],
    ['databricks://token:t@h/p?ca=/nonexistent/ca.pem', /cannot be read: ENOENT/],
  ])('refuses %s with a line that says what to fix', (dsn, line) => {
    expect(() => parseDatabricksDsn(dsn)).toThrow(line);
  });
});
