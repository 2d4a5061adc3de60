import type { Report } from '../report.js';

/** The report as pretty JSON (schema: `@helios-conformance/core/schemas/report.schema.json`). */
export function renderJson(report: Report, redact: (s: string) => string = (s) => s): string {
  return redact(JSON.stringify(report, null, 2)) + '\n';
}
