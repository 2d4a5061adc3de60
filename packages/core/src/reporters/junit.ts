import type { Report, CaseResult } from '../report.js';
import { escapeXml, stripInvalidXmlChars } from '../_internal/escape.js';

const x = (s: string): string => escapeXml(stripInvalidXmlChars(s));
const secs = (ms: number): string => (ms / 1000).toFixed(3);

function testcase(suiteName: string, r: CaseResult): string {
  const attrs = `classname="${x(`${suiteName}.${r.area}`)}" name="${x(`${r.id} ${r.title}`)}" time="${secs(r.durationMs)}"`;
  const msg = r.message ?? '';
  const body = (() => {
    switch (r.status) {
      case 'fail':
        return `<failure type="fail" message="${x(msg.split('\n')[0] ?? '')}">${x(msg)}</failure>`;
      case 'xpass':
        return `<failure type="xpass" message="${x(msg.split('\n')[0] ?? '')}">${x(msg)}</failure>`;
      case 'error':
        return `<error type="error" message="${x(msg.split('\n')[0] ?? '')}">${x(msg)}</error>`;
      case 'skip':
      case 'n/a':
        return `<skipped message="${x(`${r.status}: ${msg}`)}"/>`;
      case 'xfail':
        return `<system-out>${x(`expected failure (${r.expectation?.reason ?? ''}): ${msg}`)}</system-out>`;
      default:
        return '';
    }
  })();
  const props = `<properties><property name="id" value="${x(r.id)}"/><property name="priority" value="${r.priority}"/><property name="status" value="${x(r.status)}"/></properties>`;
  return `    <testcase ${attrs}>${props}${body}</testcase>\n`;
}

/**
 * A run that could not start: one testsuite with one errored testcase whose message is the
 * reason, so a CI "publish test results" step shows the failure instead of an empty run.
 */
function cannotRunJunit(report: Report): string {
  const reason = report.cannotRun?.reason ?? 'could not run';
  const ts = report.startedAt.replace(/\.\d+Z$/, '');
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n';
  xml += `<testsuites name="${x(report.suite)}" tests="1" failures="0" errors="1" skipped="0" time="${secs(report.durationMs)}">\n`;
  xml += `  <testsuite name="${x(`${report.suite} could-not-run`)}" tests="1" failures="0" errors="1" skipped="0" time="${secs(report.durationMs)}" timestamp="${ts}">\n`;
  xml += `    <properties><property name="target" value="${x(report.target.dsn ?? 'embedded')}"/>${report.shard ? `<property name="shard" value="${report.shard.index}/${report.shard.count}"/>` : ''}</properties>\n`;
  xml += `    <testcase classname="${x(report.suite)}" name="could not run" time="${secs(report.durationMs)}"><error type="cannot-run" message="${x(reason)}">${x(reason)}</error></testcase>\n`;
  xml += '  </testsuite>\n</testsuites>\n';
  return xml;
}

/** JUnit XML (one <testsuite> per area), as accepted by Jenkins, GitLab and GitHub test reporters. */
export function renderJunit(report: Report, redact: (s: string) => string = (s) => s): string {
  const areas = [...new Set(report.results.map((r) => r.area))];
  const count = (rs: CaseResult[]) => ({
    tests: rs.length,
    failures: rs.filter((r) => r.status === 'fail' || r.status === 'xpass').length,
    errors: rs.filter((r) => r.status === 'error').length,
    skipped: rs.filter((r) => r.status === 'skip' || r.status === 'n/a').length,
    time: secs(rs.reduce((a, r) => a + r.durationMs, 0)),
  });
  if (report.cannotRun) return redact(cannotRunJunit(report));
  const all = count(report.results);
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n';
  xml += `<testsuites name="${x(report.suite)}" tests="${all.tests}" failures="${all.failures}" errors="${all.errors}" skipped="${all.skipped}" time="${secs(report.durationMs)}">\n`;
  for (const area of areas) {
    const rs = report.results.filter((r) => r.area === area);
    const c = count(rs);
    xml += `  <testsuite name="${x(`${report.suite} ${area}`)}" tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${c.time}" timestamp="${report.startedAt.replace(/\.\d+Z$/, '')}">\n`;
    xml += `    <properties><property name="seed" value="${report.seed}"/><property name="target" value="${x(report.target.dsn ?? 'embedded')}"/><property name="server" value="${x(report.target.server ?? '')}"/><property name="seedTier" value="${report.seedTier ?? 'none'}"/>${report.shard ? `<property name="shard" value="${report.shard.index}/${report.shard.count}"/>` : ''}</properties>\n`;
    for (const r of rs) xml += testcase(report.suite, r);
    xml += '  </testsuite>\n';
  }
  xml += '</testsuites>\n';
  return redact(xml);
}
