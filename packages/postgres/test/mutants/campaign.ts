// The mutant campaign: every mutant endpoint the suite must catch (the test server's PostgreSQL 15
// behind the suite kit's framing proxy with one hook that changes one thing), the cases each one
// must fail (with the message that proves it failed for the mutation's reason), and a control
// case it must leave passing. A mutant runs only those cases: what it must fail, and the control.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runSuite, type Report } from '@helios-conformance/core';
import { rewriteSql, runCacheDir, startProxy, withParams, type FrameHook, type PgFrame, type TestServer } from '@helios-conformance/suite-kit';
import { postgresSuite } from '../../src/index.js';
import {
  corruptDataRows,
  corruptScramServerSignature,
  discardAllBetweenTransactions,
  deadlockAsSuccess,
  dropMessages,
  eraseSqlstates,
  holdUntilReady,
  inflateRowCounts,
  lieInParameterStatus,
  nullsAsEmpty,
  refuseLogin,
  rewriteCommandTags,
  rewriteSqlstate,
  rewriteValuePrefix,
  rowDescriptionAllText,
  upperCaseColumnNames,
} from './hooks.js';

/** A mutant endpoint: the upstream server behind a proxy whose hook changes the backend's messages. */
export interface Mutant {
  name: string;
  /** What the proxy changes. */
  description: string;
  /** The hook on server → client messages (none: the proxy's TLS termination is the mutation). */
  server?: () => FrameHook<PgFrame>;
  /** Hooks on both directions, sharing per-connection state (for mutations that inject client messages). */
  both?: () => { client: FrameHook<PgFrame>; server: FrameHook<PgFrame> };
  /**
   * Terminate TLS at the proxy instead of declining it: `upstream-cert` presents the server's own
   * certificate (the run uses verify-full); `wrong-host` presents a certificate from a CA of its
   * own issued to another host name (the run uses verify-ca with that CA).
   */
  tls?: 'upstream-cert' | 'wrong-host';
  /** Case ID → pattern its failure message must match (the mutation's fingerprint). */
  mustFail: Record<string, RegExp>;
  /** A case the mutation leaves alone: it must pass through the same proxy (default PG-001). */
  control?: string;
  /** The status every case of mustFail must end with (default: fail or error, either will do). */
  status?: 'fail';
}

/** A SQLSTATE check that got XX000 instead (the wire cases show the answer: `got ParseComplete, ErrorResponse(XX000 …)`). */
const XX000 = /got (.*ErrorResponse\()?XX000/;
const ROW_COUNT = /row count .*expected (\d+), got \d+/;

/** Every mutant of the campaign. Together with PGlite's failures, their cases cover the catalog. */
export const mutants: readonly Mutant[] = [
  {
    name: 'sqlstate-23505-as-23000',
    description: 'rewrites SQLSTATE 23505 (unique_violation) to 23000 (integrity_constraint_violation) in ErrorResponses',
    server: () => rewriteSqlstate('23505', '23000'),
    mustFail: {
      'PG-005': /expected SQLSTATE 23505, got 23000/,
      'PG-062': /expected SQLSTATE 23505, got 23000/,
      'PG-078': /expected SQLSTATE 23505, got 23000/,
      'PG-081': /expected SQLSTATE 23505, got 23000/,
      'PG-083': /expected SQLSTATE 23505, got 23000/,
    },
  },
  {
    name: 'sqlstate-28P01-as-08P01',
    description: 'rewrites SQLSTATE 28P01 (invalid_password) to 08P01 (protocol_violation) in ErrorResponses, as PgBouncer refuses a wrong password',
    server: () => rewriteSqlstate('28P01', '08P01'),
    mustFail: { 'PG-017': /expected SQLSTATE 28P01 \(invalid_password\), got 08P01/ },
    status: 'fail',
  },
  {
    name: 'pooler-refuses-login',
    description: 'refuses the login of sessions whose application_name is hc-pg-088 with a FATAL 08P01 ErrorResponse, as a pooler with no room left does (everyone else logs in)',
    server: () => refuseLogin((startup) => startup.application_name === 'hc-pg-088', '08P01', 'no more connections allowed (max_client_conn)'),
    // The endpoint answered: the case fails (naming the code) instead of erroring as a lost connection.
    mustFail: { 'PG-088': /^08P01: no more connections allowed \(max_client_conn\)/ },
    status: 'fail',
  },
  {
    name: 'drop-notifications',
    description: "drops every NotificationResponse ('A'): LISTEN and NOTIFY succeed, nothing is delivered",
    server: () => dropMessages('A'),
    mustFail: {
      'PG-084': /received no notification on pg084_chan/,
      'PG-085': /was not delivered within \d+ ms \(received: nothing\)/,
      'PG-086': /were not all delivered .* \(received 0\)/,
      'PG-087': /NOTIFY pg087_a_\w+ was not delivered/,
    },
  },
  {
    name: 'standard-conforming-strings-lie',
    description: "reports standard_conforming_strings=off in ParameterStatus ('S') while the server has it on",
    server: () => lieInParameterStatus('standard_conforming_strings', 'off'),
    mustFail: { 'PG-009': /standard_conforming_strings must be reported "on", got "off"/ },
  },
  {
    name: 'timezone-lie',
    description: "reports TimeZone=Antarctica/Troll in every ParameterStatus ('S'), whatever the session's time zone is",
    server: () => lieInParameterStatus('TimeZone', 'Antarctica/Troll'),
    mustFail: {
      'PG-011': /ParameterStatus TimeZone="Antarctica\/Troll"/,
      'PG-013': /got "Antarctica\/Troll"/,
    },
  },
  {
    name: 'drop-backend-key-data',
    description: "drops BackendKeyData ('K') at startup: the client gets no process id and no cancel key",
    server: () => dropMessages('K'),
    mustFail: {
      'PG-012': /no BackendKeyData before ReadyForQuery/,
      'PG-088': /holds no BackendKeyData/,
    },
  },
  {
    name: 'rollback-tag-as-commit',
    description: 'reports CommandComplete tag COMMIT where the server answered ROLLBACK (e.g. COMMIT of an aborted transaction)',
    server: () => rewriteCommandTags((tag) => (tag === 'ROLLBACK' ? 'COMMIT' : tag)),
    mustFail: { 'PG-083': /must be answered with command tag ROLLBACK, got COMMIT/ },
  },
  {
    name: 'deadlock-victim-as-success',
    description: "answers the deadlock victim's 40P01 with CommandComplete UPDATE 1 (both deadlocked UPDATEs appear to succeed)",
    server: () => deadlockAsSuccess(),
    mustFail: { 'PG-076': /both conflicting UPDATEs succeeded/ },
  },
  {
    name: 'drop-notices',
    description: "drops every NoticeResponse ('N')",
    server: () => dropMessages('N'),
    mustFail: { 'PG-025': /expected exactly one NoticeResponse, got 0/ },
  },
  {
    name: 'inflate-row-counts',
    description: 'CommandComplete tags report one row more than the server did (INSERT 0 2 for INSERT 0 1, SELECT 4 for SELECT 3, …)',
    server: () => inflateRowCounts(),
    mustFail: {
      'PG-002': /must report 1 row: expected 1, got 2/,
      'PG-007': /must report one row: expected "1n", got "2n"/,
      'PG-008': /must report COPY 10000: expected 10000, got 10001/,
      'PG-023': /command tags out of order or wrong/,
      'PG-028': /must complete with tag "INSERT 0 3", got \["INSERT 0 4"\]/,
      'PG-034': /command tags out of order/,
      'PG-040': ROW_COUNT,
      'PG-041': ROW_COUNT,
      'PG-042': ROW_COUNT,
      'PG-043': ROW_COUNT,
      'PG-044': ROW_COUNT,
      'PG-045': ROW_COUNT,
      'PG-046': ROW_COUNT,
      'PG-047': ROW_COUNT,
      'PG-048': ROW_COUNT,
      'PG-087': /pg_listening_channels\(\) must be empty, got 1 rows/,
    },
  },
  {
    name: 'row-description-all-text',
    description: "RowDescription ('T') describes every column as text (format 0), also where binary was asked for",
    server: () => rowDescriptionAllText(),
    mustFail: {
      'PG-031': /result formats asked for in Bind \(binary, text, binary\), got \[0,0,0\]/,
      'PG-033': /every column must be described as binary/,
    },
  },
  {
    name: 'ignore-flush',
    description: 'holds the answers to extended-query messages until the ReadyForQuery after Sync (Flush has no effect)',
    server: () => holdUntilReady(),
    mustFail: {
      'PG-006': /timed out after \d+ ms/,
      'PG-039': /the server waited for Sync/,
    },
  },
  {
    name: 'scram-bad-server-signature',
    description: "changes the SCRAM server signature in AuthenticationSASLFinal, for sessions whose application_name is hc-pg-016 only (everyone else's login must work for the run to go on)",
    server: () => corruptScramServerSignature((startup) => startup.application_name === 'hc-pg-016'),
    mustFail: { 'PG-016': /SCRAM server signature in AuthenticationSASLFinal does not match/ },
  },
  {
    name: 'version-rebrand',
    description: "result values starting with 'PostgreSQL ' start with 'Postgres-compatible ' instead (version())",
    server: () => rewriteValuePrefix('PostgreSQL ', 'Postgres-compatible '),
    mustFail: { 'PG-098': /version\(\) must start with "PostgreSQL ", got "Postgres-compatible / },
  },
  {
    name: 'nulls-as-empty',
    description: "every NULL field of a DataRow ('D') is sent as an empty value (length 0 instead of -1)",
    server: () => nullsAsEmpty(),
    mustFail: {
      'PG-006': /NULL must round-trip: expected null, got ""/,
      'PG-037': /sent back as NULL \(length -1\); got \[\["",""/,
      'PG-064': /expected null, got ''/,
      'PG-073': /must not have happened: expected null, got ""/,
      'PG-094': /"column_default":""/,
      'PG-097': /"missing":""/,
    },
  },
  {
    name: 'upper-case-column-names',
    description: "RowDescription ('T') reports every column name in upper case, as an endpoint folding identifiers to upper case would",
    server: () => upperCaseColumnNames(),
    control: 'PG-012',
    mustFail: {
      'PG-001': /the column must be named by its alias/,
      'PG-031': /RowDescription must name the columns n, t, b .*got \[\["N",23\]/,
      'PG-091': /must return columns id, name, got ID, NAME/,
      'PG-099': /current_schema\(\) must be the run schema \S+ \(search_path\), got undefined/,
    },
  },
  {
    name: 'erase-sqlstates',
    description: "reports every ErrorResponse's SQLSTATE as XX000 (internal_error), keeping the message text",
    server: () => eraseSqlstates('XX000'),
    mustFail: Object.fromEntries(
      [
        'PG-005', 'PG-017', 'PG-018', 'PG-026', 'PG-027', 'PG-029', 'PG-030', 'PG-035', 'PG-036', 'PG-038',
        'PG-050', 'PG-051', 'PG-052', 'PG-053', 'PG-055', 'PG-056', 'PG-057', 'PG-058', 'PG-059', 'PG-060',
        'PG-061', 'PG-063', 'PG-065', 'PG-066', 'PG-067', 'PG-068', 'PG-070', 'PG-071', 'PG-072', 'PG-073',
        'PG-074', 'PG-075', 'PG-076', 'PG-077', 'PG-079', 'PG-080', 'PG-082', 'PG-089',
      ].map((id) => [id, XX000]),
    ),
  },
  {
    name: 'corrupt-data-rows',
    description: "in every DataRow ('D'), the first '1' byte of each field value becomes '2'; likewise in each CopyData ('d') of COPY TO STDOUT",
    server: () => corruptDataRows(),
    control: 'PG-012',
    mustFail: {
      'PG-001': /SELECT 1 must return the integer 1: expected 1, got 2/,
      'PG-004': /row 1 must come in order \(got id 2\)/,
      'PG-008': /must hold 10000 rows after COPY: expected 10000, got 20000/,
      'PG-015': /the session must work after NegotiateProtocolVersion: expected "1", got "2"/,
      'PG-019': /SELECT 1 must answer 1 on the new session: expected "1", got "2"/,
      'PG-024': /expected \[\["1"\]\], got \[\["2"\]\]/,
      'PG-032': /without repeating or skipping rows: expected \["1","2","3","4","5"\], got \["2","2"/,
      'PG-040': /first difference at byte 0/,
      'PG-044': /first wrong line is row 1/,
      'PG-049': /-2247483648/,
      'PG-054': /expected '8feed1b0\w*', got '8feed2b0/,
      'PG-092': /row 1 expected next, got id 2/,
      'PG-093': /row 1 expected next, got id 2/,
      'PG-095': /pg_type.oid of bool must be 16, got 26/,
      'PG-096': /got \{"unique":2,"primary":2\}/,
    },
  },
  {
    name: 'discard-all-between-transactions',
    description: 'sends DISCARD ALL to the server before each transaction a client starts (swallowing its answer), as a transaction-mode pooler handing out another server session would',
    both: () => discardAllBetweenTransactions(),
    // Not PG-001: it checks the search_path its session set, which DISCARD ALL resets.
    control: 'PG-012',
    mustFail: {
      'PG-100': /the owner's next transaction the SET made in the previous transaction is gone \(hc.pg100 is (""|null), not "t\w+"\)/,
      'PG-101': /prepared statement hc_pg101_\w+ is gone \(EXECUTE hc_pg101_\w+\(5\) failed with 26000\)/,
      'PG-102': /the ON COMMIT DELETE ROWS table pg_temp.hc_pg102_del_\w+ must still exist in the session \(it got 42P01\)/,
      'PG-103': /the session-level advisory lock \(\d+, -?\d+\) is gone \(pg_locks shows no such lock/,
      'PG-104': /cursor hc_pg104_\w+ \(WITH HOLD\) is gone \(FETCH failed with 34000\)/,
      'PG-106': /client 0's statement hc_pg106_\w+ is gone \(26000\)/,
    },
    status: 'fail',
  },
  {
    name: 'load-is-a-no-op',
    description: "answers LOAD '…' as if it had run, without loading anything (the client's LOAD becomes SELECT 1)",
    both: () => ({ client: rewriteSql<PgFrame>((sql) => (/^\s*LOAD\s/i.test(sql) ? 'SELECT 1' : sql)), server: (m) => m }),
    mustFail: { 'PG-105': /in the owner's next transaction the library LOADed in the previous transaction \(auto_explain\) is gone \(auto_explain.log_min_duration gives error 42704\)/ },
    status: 'fail',
  },
  {
    name: 'tls-terminating-middlebox',
    description: "terminates TLS itself (with the server's own certificate) and talks plain TCP to the server",
    tls: 'upstream-cert',
    mustFail: { 'PG-020': /pg_stat_ssl.ssl must be true for a session over TLS, got "f"/ },
  },
  {
    name: 'tls-wrong-host-certificate',
    description: 'terminates TLS with a certificate issued to wrong-host.invalid (not 127.0.0.1) and talks plain TCP to the server',
    tls: 'wrong-host',
    mustFail: {
      'PG-020': /pg_stat_ssl.ssl must be true for a session over TLS, got "f"/,
      'PG-021': /ERR_TLS_CERT_ALTNAME_INVALID/,
    },
  },
];

/** The cases a mutant runs: what it must fail, then its control. */
export const casesOf = (m: Mutant): string[] => [...Object.keys(m.mustFail), m.control ?? 'PG-001'];

/** The outcome of one mutant run. */
export interface MutantRun {
  mutant: string;
  report: Report;
  /** Mutations the proxy made during the run. */
  mutations: number;
  /** ID → message of every case that ended fail or error. */
  failed: Record<string, string>;
}

/** ID → message of every result that failed: fail, error, or xfail (failed as an expectations file said). */
export function failedCases(report: Report): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of report.results) if (r.status === 'fail' || r.status === 'error' || r.status === 'xfail') out[r.id] = r.message ?? '';
  return out;
}

/**
 * Cases that measure this process's heap (PG-092, PG-093: streaming must not buffer the whole
 * result). Suite runs going on at the same time in the process would inflate their figures, so
 * they run alone, after the concurrent phase.
 */
const SOLO_CASES: readonly string[] = ['PG-092', 'PG-093'];

let wrongHost: { cert: Buffer; key: Buffer; caPath: string } | undefined;

/** A throwaway CA (openssl) and a certificate it issued to wrong-host.invalid, in the run's scratch directory. */
function wrongHostCertificate(): { cert: Buffer; key: Buffer; caPath: string } {
  if (wrongHost) return wrongHost;
  const dir = mkdtempSync(path.join(runCacheDir(), 'mutant-tls-'));
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=helios mutant CA');
  ossl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=wrong-host.invalid');
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:wrong-host.invalid\n');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  wrongHost = { cert: readFileSync(path.join(dir, 'server.pem')), key: readFileSync(path.join(dir, 'server.key')), caPath: path.join(dir, 'ca.pem') };
  return wrongHost;
}

/** Runs the cases `only` names through `mutant`'s proxy in front of `upstream`. */
async function runThrough(mutant: Mutant, upstream: TestServer, only: string[]): Promise<{ report: Report; mutations: number }> {
  let tls: { cert: Buffer; key: Buffer } | undefined;
  let params: Record<string, string> = {};
  if (mutant.tls === 'upstream-cert') {
    const dataDir = upstream.dataDir ?? '';
    tls = { cert: readFileSync(path.join(dataDir, 'server.crt')), key: readFileSync(path.join(dataDir, 'server.key')) };
    params = { sslmode: 'verify-full', sslrootcert: upstream.caCertPath ?? '' };
  } else if (mutant.tls === 'wrong-host') {
    const own = wrongHostCertificate();
    tls = { cert: own.cert, key: own.key };
    params = { sslmode: 'verify-ca', sslrootcert: own.caPath };
  }
  const both = mutant.both?.();
  const proxy = await startProxy({ family: 'postgres', upstream, server: both?.server ?? mutant.server?.(), client: both?.client, tls });
  try {
    const report = await runSuite(postgresSuite, { dsn: withParams(proxy.dsnVia(upstream.dsn), params), seed: 42, only });
    return { report, mutations: proxy.mutations() };
  } finally {
    await proxy.stop();
  }
}

/**
 * Runs every mutant on its cases against `upstream`: all but the heap-measuring {@link SOLO_CASES},
 * `concurrency` mutants at a time; then the solo cases, one mutant at a time. The two reports of
 * a mutant are merged (results in catalog order).
 */
export async function runMutants(upstream: TestServer, concurrency = 4): Promise<Map<string, MutantRun>> {
  const catalog = postgresSuite.cases.map((c) => c.id);
  const runs = new Map<string, { reports: Report[]; mutations: number }>();
  // The mutants with the most cases first, so the workers finish together.
  const queue = [...mutants].sort((a, b) => casesOf(b).length - casesOf(a).length);
  const worker = async (): Promise<void> => {
    for (let m = queue.shift(); m; m = queue.shift()) {
      const shared = casesOf(m).filter((id) => !SOLO_CASES.includes(id));
      const r = await runThrough(m, upstream, shared);
      runs.set(m.name, { reports: [r.report], mutations: r.mutations });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  for (const m of mutants) {
    const solo = casesOf(m).filter((id) => SOLO_CASES.includes(id));
    if (!solo.length) continue;
    const r = await runThrough(m, upstream, solo);
    const run = runs.get(m.name);
    run?.reports.push(r.report);
    if (run) run.mutations += r.mutations;
  }
  const out = new Map<string, MutantRun>();
  for (const [name, { reports, mutations }] of runs) {
    const first = reports[0] as Report;
    const results = reports.flatMap((r) => r.results).sort((a, b) => catalog.indexOf(a.id) - catalog.indexOf(b.id));
    const report: Report = { ...first, results, conformant: reports.every((r) => r.conformant) };
    out.set(name, { mutant: name, report, mutations, failed: failedCases(report) });
  }
  return out;
}
