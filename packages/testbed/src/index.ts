/**
 * @helios-conformance/testbed — real database endpoints on one machine:
 * ephemeral PostgreSQL (the machine's binaries), MariaDB (Debian's package) and
 * PGlite (in a child process), plus PgBouncer in front of PostgreSQL and a PostgreSQL streaming-replication cluster with a router, each on a free loopback port in a temp dir, with
 * guaranteed teardown.
 *
 * @packageDocumentation
 */
export type { Endpoint, EndpointKind } from './endpoint.js';
export { installSignalTeardown, liveEndpoints, stopAll } from './endpoint.js';
export type { StartMariadbOptions } from './mariadb.js';
export { startMariadb } from './mariadb.js';
export type { StartPgliteOptions } from './pglite.js';
export { resolvePgliteChild, startPglite } from './pglite.js';
export type { PgbouncerEndpoint, PgbouncerPoolMode, StartPgbouncerOptions } from './pgbouncer.js';
export { resolvePgbouncer, startPgbouncer } from './pgbouncer.js';
export type { ChaosAction, PgCluster, PgClusterAction, PgClusterNode, PgClusterTopology, ReplicationMode, StartPgClusterOptions } from './pg-cluster.js';
export { ACTION_TIMEOUT_MS, resolveTestbedCli, runClusterActionInDir, shellQuote, startPgCluster } from './pg-cluster.js';
export type { PatroniCluster, PatroniClusterAction, PatroniClusterTopology, StartPatroniClusterOptions } from './patroni-cluster.js';
export { PATRONI_ACTION_TIMEOUT_MS, resolvePatroni, runPatroniAction, startPatroniCluster } from './patroni-cluster.js';
export type { AutoFailoverAction, AutoFailoverCluster, AutoFailoverTopology, StartAutoFailoverClusterOptions } from './paf-cluster.js';
export { autoFailoverUnavailable, PAF_ACTION_TIMEOUT_MS, resolveAutoFailover, runAutoFailoverAction, startAutoFailoverCluster } from './paf-cluster.js';
export type { BackupAction, BackupState } from './pgbackrest.js';
export { BACKUP_ACTIONS } from './pgbackrest.js';
export { findFreePort } from './ports.js';
// A suite whose reference endpoint serves HTTPS (databricks: the driver always speaks https) makes its certificates here.
export type { TlsMaterial } from './_internal/certs.js';
export { generateTlsMaterial } from './_internal/certs.js';
export type { StartPostgresOptions } from './postgres.js';
export { resolvePgBinDir, startPostgres } from './postgres.js';
export type { GaleraCluster, GaleraClusterAction, GaleraClusterNode, GaleraClusterTopology, GaleraRouterEvent, StartGaleraClusterOptions } from './galera-cluster.js';
export { DEFAULT_GALERA_PROVIDER_OPTIONS, GALERA_ACTION_TIMEOUT_MS, galeraUnavailable, runGaleraActionInDir, startGaleraCluster } from './galera-cluster.js';
