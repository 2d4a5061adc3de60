// The acid report sections as people read them, from a real run's JSON report (the acid CLI
// against a throwaway PostgreSQL 15.18, matrix + list-append + bank + atomicity; saved as a fixture).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml, type Report } from '@helios-conformance/core';
import { checkHtml, SKIP_BROWSER } from '@helios-conformance/suite-kit';
import { acidSuite } from '../src/suite.js';

const report = JSON.parse(readFileSync(new URL('./fixtures/report-postgresql-15.json', import.meta.url), 'utf8')) as Report;
const dir = mkdtempSync(join(tmpdir(), 'hc-acid-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('console section of a real PostgreSQL 15 report', () => {
  const text = acidSuite.renderConsole!(report);
  const norm = (s: string): string => s.replace(/\s+/g, ' ');

  it('fits 120 columns and cuts nothing', () => {
    const lines = text.split('\n');
    expect(lines.filter((l) => l.length > 120)).toEqual([]);
    // The old table cut cells as `prevented (no effect/block…`; an ellipsis right after a word is a cut
    // (the observations themselves write `DELETE … WHERE`, with spaces).
    expect(text).not.toMatch(/\S…/);
    // Every observation of the matrix is there in full (word-wrapped, not clipped).
    const iso = report.sections.isolation as { matrix: Record<string, Record<string, { how: string; variants?: Record<string, { how: string }> }>> };
    for (const row of Object.values(iso.matrix)) for (const c of Object.values(row)) for (const how of c.variants ? Object.values(c.variants).map((v) => v.how) : [c.how]) expect(norm(text)).toContain(norm(how));
    const la = report.sections.listAppend as Record<string, { examples: string[] }>;
    expect(norm(text)).toContain(norm(la['repeatable read']!.examples[0]!));
  });

  it('cells are keyed to notes; the weaker-than-its-name cell says so', () => {
    // Fixed columns: the level in 16, then ten cells of 9, one space apart.
    const levels = ['read uncommitted', 'read committed', 'repeatable read', 'serializable'];
    const rows = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => levels.some((x) => l.startsWith(x.padEnd(17))) && /^.{17}(prev|allow|WEAKER|BROKEN|inconc) \d+ /.test(l))
        .map((l) => [l.slice(0, 16).trim(), Array.from({ length: 10 }, (_, i) => l.slice(17 + i * 10, 26 + i * 10).trim())]),
    );
    expect(Object.keys(rows)).toEqual(levels);
    expect(rows['repeatable read']![8]).toMatch(/^WEAKER \d+$/); // G2-item
    expect(rows['read committed']![8]).toMatch(/^allow \d+$/);
    expect(rows.serializable![8]).toMatch(/^prev \d+$/);
    const notes = new Set([...text.matchAll(/^ +(\d+)\. /gm)].map((m) => m[1]));
    for (const cells of Object.values(rows)) for (const c of cells) expect(notes.has(c.split(' ')[1]!), c).toBe(true);
  });
});

describe('what "blocked" meant', () => {
  it('the console and HTML say how long a statement had to stall to count as blocked, when the report recorded it', () => {
    const iso = report.sections.isolation as Record<string, unknown>;
    expect(acidSuite.renderConsole!(report)).not.toContain('Blocked =');
    const timed = { ...report, sections: { ...report.sections, isolation: { ...iso, timing: { blockedAfterMs: 1500, settleMs: 300, hungAfterMs: 10_000 } } } };
    const text = acidSuite.renderConsole!(timed).replace(/\s+/g, ' ');
    expect(text).toContain('Blocked = a statement had not answered after 1500 ms. After a COMMIT, ROLLBACK or error, blocked statements had 300 ms to answer');
    expect(text).toContain('one still waiting 10000 ms after it started was hung');
    expect(acidSuite.renderHtml!(timed)).toMatch(/<p class="timing">Blocked = a statement had not answered after 1500 ms\./);
  });
});

describe.skipIf(SKIP_BROWSER)('HTML of a real PostgreSQL 15 report in chromium at 700 px', () => {
  it('no sideways scroll; "allowed as the level permits", "weaker than its name" and "prevented" have three colours, with a legend', async () => {
    const file = join(dir, 'acid.html');
    writeFileSync(file, renderHtml(report, acidSuite.renderHtml!(report)));
    const kinds = { prevented: 'td[data-kind="prevented"]', permitted: 'td[data-kind="permitted"]', weaker: 'td[data-kind="weaker"]', legend: '.legend .sw' };
    const check = await checkHtml(file, { width: 700, colours: kinds, screenshot: join(dir, 'acid.png') });
    expect(check.problems).toEqual([]);
    expect(check.innerScrollers).toEqual([]);
    const one = (k: string): string => {
      const cs = [...new Set(check.colours[k])];
      expect(cs, k).toHaveLength(1);
      return cs[0]!;
    };
    const [prevented, permitted, weaker] = [one('prevented'), one('permitted'), one('weaker')];
    expect(new Set([prevented, permitted, weaker]).size).toBe(3);
    // The legend shows the same swatches as the cells.
    expect(check.colours.legend).toEqual(expect.arrayContaining([prevented, permitted, weaker]));
  }, 90_000);
});
