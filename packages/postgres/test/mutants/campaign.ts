// The mutant campaign: every mutant endpoint the suite must catch, what each one is expected to
// fail (by case ID, with the message that proves it failed for the mutation's reason), and a
// runner whose results are shared by mutants.test.ts and can-fail.test.ts (one run per
// `vitest run`, cached in the scratch directory test/global-setup.ts provides).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { runSuite, type Report, type Suite } from '@helios-conformance/core';
import { startPostgres, type Endpoint } from '@helios-conformance/testbed';
import { postgresSuite, type PgTarget } from '../../src/index.js';
import { leftoverSchemas } from '../helpers.js';
import { startMutantProxy, type BackendTransform } from './proxy.js';
import {
  corruptDataRows,
  corruptScramServerSignature,
  dropMessages,
  eraseSqlstates,
  holdUntilReady,
  inflateRowCounts,
  lieInParameterStatus,
  nullsAsEmpty,
  rewriteCommandTags,
  rewriteSqlstate,
  rewriteValuePrefix,
  rowDescriptionAllText,
  upperCaseColumnNames,
} from './transforms.js';

/** A mutant endpoint: PostgreSQL 15 behind a proxy applying `transform` to the backend's messages. */
export interface Mutant {
  name: string;
  /** What the proxy changes. */
  description: string;
  transform: () => BackendTransform;
  /**
   * `exact`: the cases that end fail/error are exactly the keys of `expected`.
   * `at-least`: every key of `expected` fails, and at least `atLeast` cases fail in all.
   */
  mode: 'exact' | 'at-least';
  /** Case ID → pattern its failure message must match (the mutation's fingerprint). */
  expected: Record<string, RegExp>;
  atLeast?: number;
  /**
   * Terminate TLS at the proxy instead of declining it: `upstream-cert` presents the server's own
   * certificate (the run uses verify-full); `wrong-host` presents a certificate from a CA of its
   * own issued to another host name (the run uses verify-ca with that CA).
   */
  tls?: 'upstream-cert' | 'wrong-host';
}

/** Every mutant of the campaign. */
export const mutants: readonly Mutant[] = [
  {
    name: 'sqlstate-23505-as-23000',
    description: 'rewrites SQLSTATE 23505 (unique_violation) to 23000 (integrity_constraint_violation) in ErrorResponses',
    transform: () => rewriteSqlstate('23505', '23000'),
    mode: 'exact',
    expected: {
      'PG-005': /expected SQLSTATE 23505, got 23000/,
      'PG-062': /expected SQLSTATE 23505, got 23000/,
      'PG-078': /expected SQLSTATE 23505, got 23000/,
      'PG-081': /expected SQLSTATE 23505, got 23000/,
      'PG-083': /expected SQLSTATE 23505, got 23000/,
    },
  },
  {
    name: 'drop-notifications',
    description: "drops every NotificationResponse ('A'): LISTEN and NOTIFY succeed, nothing is delivered",
    transform: () => dropMessages('A'),
    mode: 'exact',
    expected: {
      'PG-084': /received no notification on pg084_chan/,
      'PG-085': /was not delivered within \d+ ms \(received: nothing\)/,
      'PG-086': /were not all delivered .* \(received 0\)/,
      'PG-087': /NOTIFY pg087_a was not delivered/,
    },
  },
  {
    name: 'standard-conforming-strings-lie',
    description: "reports standard_conforming_strings=off in ParameterStatus ('S') while the server has it on",
    transform: () => lieInParameterStatus('standard_conforming_strings', 'off'),
    mode: 'exact',
    expected: {
      'PG-009': /standard_conforming_strings must be reported "on", got "off"/,
    },
  },
  {
    name: 'timezone-lie',
    description: "reports TimeZone=Antarctica/Troll in every ParameterStatus ('S'), whatever the session's time zone is",
    transform: () => lieInParameterStatus('TimeZone', 'Antarctica/Troll'),
    mode: 'exact',
    expected: {
      'PG-011': /ParameterStatus TimeZone="Antarctica\/Troll"/,
      'PG-013': /got "Antarctica\/Troll"/,
    },
  },
  {
    name: 'drop-backend-key-data',
    description: "drops BackendKeyData ('K') at startup: the client gets no process id and no cancel key",
    transform: () => dropMessages('K'),
    mode: 'exact',
    expected: {
      'PG-012': /no BackendKeyData before ReadyForQuery/,
      'PG-088': /holds no BackendKeyData/,
    },
  },
  {
    name: 'rollback-tag-as-commit',
    description: "reports CommandComplete tag COMMIT where the server answered ROLLBACK (e.g. COMMIT of an aborted transaction)",
    transform: () => rewriteCommandTags((tag) => (tag === 'ROLLBACK' ? 'COMMIT' : tag)),
    mode: 'exact',
    expected: {
      'PG-083': /must be answered with command tag ROLLBACK, got COMMIT/,
    },
  },
  {
    name: 'drop-notices',
    description: "drops every NoticeResponse ('N')",
    transform: () => dropMessages('N'),
    mode: 'exact',
    expected: {
      'PG-025': /expected exactly one NoticeResponse, got 0/,
    },
  },
  {
    name: 'inflate-row-counts',
    description: 'CommandComplete tags report one row more than the server did (INSERT 0 2 for INSERT 0 1, SELECT 4 for SELECT 3, …)',
    transform: () => inflateRowCounts(),
    mode: 'exact',
    expected: {
      'PG-002': /must report 1 row\s+2 !== 1/,
      'PG-007': /must report one row\s+2n !== 1n/,
      'PG-008': /must report COPY 10000\s+10001 !== 10000/,
      'PG-023': /command tags out of order or wrong/,
      'PG-028': /must complete with tag "INSERT 0 3", got \["INSERT 0 4"\]/,
      'PG-034': /command tags out of order/,
      'PG-040': /row count .*expected (\d+), got \d+/,
      'PG-041': /row count .*expected (\d+), got \d+/,
      'PG-042': /row count .*expected (\d+), got \d+/,
      'PG-043': /row count .*expected (\d+), got \d+/,
      'PG-044': /row count .*expected (\d+), got \d+/,
      'PG-045': /row count .*expected (\d+), got \d+/,
      'PG-046': /row count .*expected (\d+), got \d+/,
      'PG-047': /row count .*expected (\d+), got \d+/,
      'PG-048': /row count .*expected (\d+), got \d+/,
      'PG-087': /pg_listening_channels\(\) must be empty, got 1 rows/,
    },
  },
  {
    name: 'row-description-all-text',
    description: "RowDescription ('T') describes every column as text (format 0), also where binary was asked for",
    transform: () => rowDescriptionAllText(),
    mode: 'exact',
    expected: {
      'PG-031': /result formats asked for in Bind \(binary, text, binary\), got \[0,0,0\]/,
      'PG-033': /every column must be described as binary/,
    },
  },
  {
    name: 'ignore-flush',
    description: 'holds the answers to extended-query messages until the ReadyForQuery after Sync (Flush has no effect)',
    transform: () => holdUntilReady(),
    mode: 'exact',
    expected: {
      'PG-006': /timed out after \d+ ms/,
      'PG-039': /the server waited for Sync/,
    },
  },
  {
    name: 'scram-bad-server-signature',
    description: "changes the SCRAM server signature in AuthenticationSASLFinal, for sessions whose application_name is hc-pg-016 only (everyone else's login must work for the run to go on)",
    transform: () => corruptScramServerSignature((startup) => startup.application_name === 'hc-pg-016'),
    mode: 'exact',
    expected: {
      'PG-016': /SCRAM server signature in AuthenticationSASLFinal does not match/,
    },
  },
  {
    name: 'version-rebrand',
    description: "result values starting with 'PostgreSQL ' start with 'Postgres-compatible ' instead (version())",
    transform: () => rewriteValuePrefix('PostgreSQL ', 'Postgres-compatible '),
    mode: 'exact',
    expected: {
      'PG-098': /version\(\) must start with "PostgreSQL ", got "Postgres-compatible /,
    },
  },
  {
    name: 'nulls-as-empty',
    description: "every NULL field of a DataRow ('D') is sent as an empty value (length 0 instead of -1)",
    transform: () => nullsAsEmpty(),
    mode: 'at-least',
    expected: {
      'PG-006': /NULL must round-trip\s+'' !== null/,
      'PG-037': /sent back as NULL \(length -1\); got \[\["",""/,
      'PG-064': /expected null, got ''/,
      'PG-073': /'' !== null/,
    },
    atLeast: 8,
  },
  {
    name: 'upper-case-column-names',
    description: "RowDescription ('T') reports every column name in upper case, as an endpoint folding identifiers to upper case would",
    transform: () => upperCaseColumnNames(),
    mode: 'at-least',
    expected: {
      'PG-001': /the column must be named by its alias/,
      'PG-031': /RowDescription must name the columns n, t, b .*got \[\["N",23\]/,
      'PG-091': /must return columns id, name, got ID, NAME/,
      'PG-099': /current_schema\(\) must be the run schema \S+ \(search_path\), got undefined/,
    },
    atLeast: 60,
  },
  {
    name: 'erase-sqlstates',
    description: "reports every ErrorResponse's SQLSTATE as XX000 (internal_error), keeping the message text",
    transform: () => eraseSqlstates('XX000'),
    mode: 'at-least',
    expected: {
      'PG-005': /got (ErrorResponse\()?XX000/,
      'PG-017': /got (ErrorResponse\()?XX000/,
      'PG-018': /got (ErrorResponse\()?XX000/,
      'PG-026': /got (ErrorResponse\()?XX000/,
      'PG-035': /got (ErrorResponse\()?XX000/,
      'PG-050': /got (ErrorResponse\()?XX000/,
      'PG-055': /got (ErrorResponse\()?XX000/,
      'PG-070': /got (ErrorResponse\()?XX000/,
      'PG-071': /got (ErrorResponse\()?XX000/,
      'PG-072': /got (ErrorResponse\()?XX000/,
      'PG-073': /got (ErrorResponse\()?XX000/,
      'PG-074': /got (ErrorResponse\()?XX000/,
      'PG-075': /got (ErrorResponse\()?XX000/,
      'PG-076': /got (ErrorResponse\()?XX000/,
      'PG-079': /got (ErrorResponse\()?XX000/,
      'PG-089': /got (ErrorResponse\()?XX000/,
    },
    atLeast: 40,
  },
  {
    name: 'corrupt-data-rows',
    description: "in every DataRow ('D'), the first '1' byte of each field value becomes '2'; likewise in each CopyData ('d') of COPY TO STDOUT",
    transform: () => corruptDataRows(),
    mode: 'at-least',
    expected: {
      'PG-001': /SELECT 1 must return the integer 1\s+2 !== 1/,
      'PG-004': /row 1 must come in order \(got id 2\)/,
      'PG-008': /20000 !== 10000/,
      'PG-040': /first difference at byte 0/,
      'PG-044': /first wrong line is row 1/,
      'PG-049': /-2247483648/,
      'PG-092': /row 1 expected next, got id 2/,
      'PG-095': /pg_type.oid of bool must be 16, got 26/,
    },
    atLeast: 50,
  },
  {
    name: 'tls-terminating-middlebox',
    description: "terminates TLS itself (with the server's own certificate) and talks plain TCP to the server",
    transform: () => (m) => m,
    tls: 'upstream-cert',
    mode: 'exact',
    expected: {
      'PG-020': /pg_stat_ssl.ssl must be true for a session over TLS, got "f"/,
    },
  },
  {
    name: 'tls-wrong-host-certificate',
    description: 'terminates TLS with a certificate issued to wrong-host.invalid (not 127.0.0.1) and talks plain TCP to the server',
    transform: () => (m) => m,
    tls: 'wrong-host',
    mode: 'exact',
    expected: {
      'PG-020': /pg_stat_ssl.ssl must be true for a session over TLS, got "f"/,
      'PG-021': /ERR_TLS_CERT_ALTNAME_INVALID/,
    },
  },
];

/** The outcome of one mutant run. */
export interface MutantRun {
  mutant: string;
  report: Report;
  /** Mutations the proxy made during the run. */
  mutations: number;
  /** ID → message of every case that ended fail or error. */
  failed: Record<string, string>;
  /** hc_% schemas left on the upstream server afterwards. */
  leftovers: string[];
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
export const SOLO_CASES: readonly string[] = ['PG-092', 'PG-093'];

/** Runs the suite (or the cases `only` names) through one mutant proxy in front of `upstream`. */
export async function runMutant(mutant: Mutant, upstream: Endpoint, suite: Suite<PgTarget> = postgresSuite, only?: string[]): Promise<MutantRun> {
  let tls: { cert: Buffer; key: Buffer } | undefined;
  let query = '';
  if (mutant.tls === 'upstream-cert') {
    tls = { cert: readFileSync(path.join(upstream.dataDir ?? '', 'server.crt')), key: readFileSync(path.join(upstream.dataDir ?? '', 'server.key')) };
    query = `?sslmode=verify-full&sslrootcert=${encodeURIComponent(upstream.caCertPath ?? '')}`;
  } else if (mutant.tls === 'wrong-host') {
    const own = wrongHostCertificate();
    tls = { cert: own.cert, key: own.key };
    query = `?sslmode=verify-ca&sslrootcert=${encodeURIComponent(own.caPath)}`;
  }
  const proxy = await startMutantProxy({ upstreamHost: upstream.host, upstreamPort: upstream.port, transform: mutant.transform(), tls });
  try {
    const dsn = `${proxy.dsnVia(upstream.dsn)}${query}`;
    const report = await runSuite(suite, { dsn, seed: 42, ...(only ? { only } : {}) });
    return { mutant: mutant.name, report, mutations: proxy.mutations(), failed: failedCases(report), leftovers: await leftoverSchemas(upstream.dsn) };
  } finally {
    await proxy.stop();
  }
}

/**
 * Runs every mutant against its own fresh PostgreSQL 15: all cases but {@link SOLO_CASES},
 * `concurrency` mutants at a time; then the solo cases, one mutant at a time. The two reports of
 * a mutant are merged (results in catalog order).
 */
export async function runMutants(list: readonly Mutant[] = mutants, suite: Suite<PgTarget> = postgresSuite, concurrency = 6): Promise<MutantRun[]> {
  const ids = suite.cases.map((c) => c.id);
  const shared = ids.filter((id) => !SOLO_CASES.includes(id));
  const solo = ids.filter((id) => SOLO_CASES.includes(id));
  const upstreams: Endpoint[] = [];
  try {
    const out: MutantRun[] = new Array<MutantRun>(list.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < list.length) {
        const i = next++;
        const upstream = await startPostgres({ tls: true });
        upstreams[i] = upstream;
        out[i] = await runMutant(list[i]!, upstream, suite, shared);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
    if (solo.length) {
      for (let i = 0; i < list.length; i++) {
        const alone = await runMutant(list[i]!, upstreams[i]!, suite, solo);
        const first = out[i]!;
        const results = [...first.report.results, ...alone.report.results].sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
        const report: Report = { ...first.report, results, conformant: first.report.conformant && alone.report.conformant };
        out[i] = { ...first, report, mutations: first.mutations + alone.mutations, failed: failedCases(report), leftovers: [...first.leftovers, ...alone.leftovers] };
      }
    }
    return out;
  } finally {
    await Promise.all(upstreams.map((u) => u?.stop()));
  }
}

function cached<T>(name: string, compute: () => Promise<T>): Promise<T> {
  let dir: string | undefined;
  try {
    dir = inject('runCacheDir');
  } catch {
    dir = undefined;
  }
  const file = dir ? path.join(dir, `${name}.json`) : undefined;
  if (file && existsSync(file)) return Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as T);
  return compute().then((v) => {
    if (file) writeFileSync(file, JSON.stringify(v));
    return v;
  });
}

let wrongHost: { cert: Buffer; key: Buffer; caPath: string } | undefined;

/** A throwaway CA (openssl) and a certificate it issued to wrong-host.invalid. */
function wrongHostCertificate(): { cert: Buffer; key: Buffer; caPath: string } {
  if (wrongHost) return wrongHost;
  // Inside the run's scratch dir (test/global-setup.ts removes it at teardown), so nothing leaks.
  const dir = mkdtempSync(path.join(inject('runCacheDir') ?? tmpdir(), 'hc-mutant-tls-'));
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=helios mutant CA');
  ossl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=wrong-host.invalid');
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:wrong-host.invalid\n');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  wrongHost = { cert: readFileSync(path.join(dir, 'server.pem')), key: readFileSync(path.join(dir, 'server.key')), caPath: path.join(dir, 'ca.pem') };
  return wrongHost;
}

/** What the whole campaign observed. */
export interface Campaign {
  /** The suite against embedded PGlite with no expectations file (the `copy` cases left out, see below). */
  pglite: Report;
  mutants: MutantRun[];
}

let campaign: Promise<Campaign> | undefined;

/**
 * The whole campaign, run once per `vitest run`: every mutant, and at the same time the suite
 * against embedded PGlite with no expectations file. The `copy` cases are left out of the PGlite
 * run: COPY FROM STDIN leaves PGlite's child unable to accept connections, so every case after it
 * would only time out; the mutants judge the copy cases. So are the heap-measuring
 * {@link SOLO_CASES}, which cannot share the process with the concurrent mutant runs.
 */
export function runCampaign(): Promise<Campaign> {
  campaign ??= cached('campaign', async () => {
    const noCopy = { ...postgresSuite, cases: postgresSuite.cases.filter((c) => c.area !== 'copy' && !SOLO_CASES.includes(c.id)) };
    const [pglite, runs] = await Promise.all([runSuite(noCopy, { seed: 42 }), runMutants()]);
    return { pglite, mutants: runs };
  });
  return campaign;
}
