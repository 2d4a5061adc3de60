import { fileURLToPath } from 'node:url';
import { CannotRunError, defineSuite, type OpenOptions, type Suite } from '@helios-conformance/core';
import { classifyMysqlError, fromDsn, MYSQL_DSN_EXAMPLE, type MySession, type MyTarget } from '@helios-conformance/sql/mysql';
import pkg from '../package.json' with { type: 'json' };
import { mysqlCases } from './cases/index.js';

/** Version of this package (from package.json). */
export const MYSQL_SUITE_VERSION: string = pkg.version;

/** The suite's `open()`: a DSN is required (no MySQL-compatible server is embeddable from npm). */
export async function openMysql(o: OpenOptions): Promise<MySession> {
  if (o.dsn === undefined) {
    throw new CannotRunError(
      'helios-mysql needs an endpoint: pass --dsn mysql://user:pass@host:3306/db (no embedded MySQL-compatible server exists on npm; where MariaDB is installed, start one with `npx -- @helios-conformance/testbed up mariadb`)',
    );
  }
  return fromDsn(o.dsn, { signal: o.signal, timeoutMs: o.timeoutMs, log: o.log });
}

/** The MySQL conformance suite: the catalog plus how to open an endpoint. */
export const mysqlSuite: Suite<MyTarget> = defineSuite<MyTarget>({
  name: pkg.name,
  version: pkg.version,
  description: 'MySQL wire protocol (v10) and behaviour conformance (Gold)',
  bin: 'helios-mysql',
  // The seed's tiers rank ecosystems: MySQL wire is one of its two Gold ones.
  seedTier: 'gold',
  ecosystem: 'MySQL wire',
  idPrefixes: ['MY-'],
  cases: [...mysqlCases],
  defaultTimeoutMs: 15_000,
  dsnExample: MYSQL_DSN_EXAMPLE,
  // Shipped next to dist/ ("files"). Chosen by what the server reports (VERSION() of Debian 12's
  // MariaDB reads "10.11.19-MariaDB-0+deb12u1"); other servers are judged bare.
  shippedExpectations: [{ file: fileURLToPath(new URL('../expectations/mariadb-10.11.json', import.meta.url)), describes: 'MariaDB 10.11.x', matches: /^10\.11\.\d+-MariaDB/ }],
  defaultTarget: 'none: pass --dsn (start a MariaDB with `npx -- @helios-conformance/testbed up mariadb`)',
  // An ERR packet the case did not expect is a fail; a lost connection or a harness bug an error.
  classifyError: (e) => classifyMysqlError(e).verdict,
  // A lost connection makes the runner probe the endpoint (did it die during this case?).
  isConnectionLoss: (e) => classifyMysqlError(e).kind === 'connection-lost',
  open: openMysql,
});
