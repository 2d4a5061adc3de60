// snowflake-sdk, loaded on first use (it is large) and quietened: the suite reports what the
// driver surfaced, the driver's own log is not the user's business (and would go to a file in the
// user's working directory by default).
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { SnowflakeDsn } from './dsn.js';

/** The part of snowflake-sdk's Column the cases read. */
export interface SfColumn {
  getName(): string;
  getType(): string;
  getScale(): number;
  getPrecision(): number;
  isNullable(): boolean;
}

/** The part of snowflake-sdk's Statement the cases use. */
export interface SfStatement {
  getSqlText(): string;
  getQueryId(): string;
  getRequestId(): string;
  getColumns(): SfColumn[] | undefined;
  getNumRows(): number;
  getNumUpdatedRows(): number | undefined;
  cancel(callback?: (err: SfError | undefined, stmt: SfStatement) => void): void;
  streamRows(options?: { start?: number; end?: number }): NodeJS.ReadableStream;
  hasNext?(): boolean;
  NextResult?(): void;
}

/** An error as snowflake-sdk surfaces it. */
export interface SfError extends Error {
  code?: string | number;
  sqlState?: string;
  data?: { queryId?: string; [k: string]: unknown };
  cause?: unknown;
  response?: { statusCode?: number };
}

/** Options of `connection.execute`. */
export interface SfExecuteOptions {
  sqlText: string;
  binds?: unknown[];
  parameters?: Record<string, unknown>;
  streamResult?: boolean;
  asyncExec?: boolean;
  fetchAsString?: string[];
  complete?: (err: SfError | undefined, stmt: SfStatement, rows?: Array<Record<string, unknown>>) => void;
}

/** The part of snowflake-sdk's Connection the cases use. */
export interface SfConnection {
  connect(callback: (err: SfError | undefined, conn: SfConnection) => void): void;
  execute(options: SfExecuteOptions): SfStatement;
  destroy(callback: (err: SfError | undefined) => void): void;
  isUp(): boolean;
  getQueryStatus(queryId: string): Promise<string>;
  isStillRunning(status: string): boolean;
  isAnError(status: string): boolean;
  getResultsFromQueryId(options: { queryId: string; sqlText?: string; streamResult?: boolean }): Promise<SfStatement>;
  /** JSON of the connection's state: its tokens and their expiry times (credentials: never shown). */
  serialize(): string;
}

/** The module's entry points the suite uses. */
export interface SnowflakeSdk {
  createConnection(options: Record<string, unknown>): SfConnection;
  configure(options: Record<string, unknown>): void;
}

let loaded: Promise<SnowflakeSdk> | undefined;

/** snowflake-sdk, configured once: its log off. */
export function loadSnowflake(): Promise<SnowflakeSdk> {
  loaded ??= (async () => {
    // The driver bundles the AWS SDK (for PUT/GET, which no case uses); on Node 20 it prints a
    // multi-line deprecation warning at load, which would break the CLI's one-line exit-2 contract.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const mod = (await import('snowflake-sdk')) as unknown as { default?: SnowflakeSdk } & SnowflakeSdk;
    const sdk = mod.default ?? mod;
    sdk.configure({ logLevel: 'OFF', additionalLogToConsole: false });
    return sdk;
  })();
  return loaded;
}

/**
 * snowflake-sdk's connection options for a DSN. The driver retries a login and each request for
 * minutes by default; these bound it so an unreachable or refusing endpoint ends the run quickly.
 */
export function connectionOptions(d: SnowflakeDsn, schema: string = d.schema): Record<string, unknown> {
  return {
    account: d.account,
    username: d.user,
    password: d.password,
    database: d.database,
    schema,
    ...(d.warehouse ? { warehouse: d.warehouse } : {}),
    ...(d.role ? { role: d.role } : {}),
    host: d.host,
    port: d.port,
    protocol: d.protocol,
    accessUrl: `${d.protocol}://${d.host.includes(':') ? `[${d.host}]` : d.host}:${d.port}`,
    // One retry of a login lost on the network (the driver's retryTimeout cannot go below 300 s).
    sfRetryMaxLoginRetries: 1,
    // Per HTTP request (a statement still running is polled, each poll a new request).
    timeout: 60_000,
    clientSessionKeepAlive: false,
    application: 'helios-conformance',
    ...(d.protocol === 'https' && d.ca ? { agentClass: trustingAgent(d.ca) } : {}),
  };
}

/**
 * The driver's HTTPS agent, trusting one more CA. snowflake-sdk 3.x has no documented CA option:
 * it builds its agents (lib/http/node_untyped.js) with Node's default trust, which takes an extra
 * CA only from NODE_EXTRA_CA_CERTS, read when the process starts. Its `agentClass` connection
 * option (in its list of known options, marked "test only" in lib/connection/connection_config.js;
 * lib/http/base.js calls it with the agent options and uses what it returns for every https
 * request) lets the suite hand it an agent with Node's roots plus this CA, for the suite's
 * connections only. Verification stays on (rejectUnauthorized, host name check), TLS 1.2 at least,
 * as the driver's own agent; the driver's OCSP/CRL hooks, off by default, are not applied.
 * keepAlive on, as the driver's own agents (a TLS handshake per request would slow every poll);
 * Node unrefs an idle pooled socket, so none keeps the process alive.
 */
function trustingAgent(ca: string): () => Agent {
  // One secure context for every socket: given `ca` instead, Node would parse Node's ~140 roots
  // again for each connection (tens of ms per request here).
  const secureContext = createSecureContext({ ca: [...rootCertificates, ca], minVersion: 'TLSv1.2' });
  const agent = new Agent({ secureContext, keepAlive: true, minVersion: 'TLSv1.2', rejectUnauthorized: true });
  return () => agent;
}
