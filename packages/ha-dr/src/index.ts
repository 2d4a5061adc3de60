/**
 * `@helios-conformance/ha-dr` — failover, leader election, split brain, backups and PITR judged on a
 * replicated cluster described by a topology file, with RTO and RPO measured from an
 * acknowledged-write ledger.
 */
export { haDrSuite, openHaDr, HA_DR_SUITE_VERSION } from './suite.js';
export { haDrCases } from './cases/index.js';
export { loadTopology, parseTopology, ACTIONS, type Topology, type TopologyNode, type ActionName } from './topology.js';
export { runAction, commandLine, shellQuote, type ActionRun } from './actions.js';
export { createLedger, startWriter, readBack, timeline, type LedgerEntry, type LedgerVerdict, type Writer, type WriterOptions, type Outcome } from './ledger.js';
export { SEED_SLA, type HaDrTarget, type Sla } from './target.js';
export { renderHaDrHtml, renderHaDrConsole, slaRows, timelineSvg } from './report.js';
