// The vector report sections as people read them, from a real run's JSON report (the vector CLI
// on the embedded PGlite + pgvector, --only VEC-005,VEC-030,VEC-040,VEC-042; saved as a fixture).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml, type Report } from '@helios-conformance/core';
import { checkHtml, SKIP_BROWSER } from '@helios-conformance/suite-kit';
import { renderVectorConsole, renderVectorHtml } from '../src/report.js';
import { niceTicks } from '../src/_internal/charts.js';

const report = JSON.parse(readFileSync(new URL('./fixtures/report-pglite.json', import.meta.url), 'utf8')) as Report;
const dir = mkdtempSync(join(tmpdir(), 'hc-vector-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vector report rendering', () => {
  it('the console section fits 120 columns', () => {
    const text = renderVectorConsole(report);
    expect(text).toMatch(/latency c=1: p50/);
    expect(text.split('\n').filter((l) => l.length > 120)).toEqual([]);
  });

  it('the recall axis spans the recall the sweep reached, not 0.5…1', () => {
    const html = renderVectorHtml(report);
    const svg = /<svg[^>]*aria-label="recall versus QPS[^]*?<\/svg>/.exec(html)![0];
    const points = (report.sections.sweep as Record<string, { points: Array<{ recall: number }> }>)['l2@10']!.points;
    const lo = Math.min(...points.map((p) => p.recall));
    // Every x tick is within the padded data range: no tick at 0.5 when the points start at 0.97.
    const xTicks = [...svg.matchAll(/<text x="[\d.]+" y="306" font-size="11" text-anchor="middle">([\d.]+)<\/text>/g)].map((m) => Number(m[1]));
    expect(xTicks.length).toBeGreaterThanOrEqual(2);
    for (const t of xTicks) expect(t).toBeGreaterThanOrEqual(lo - 0.05);
    expect(niceTicks(0.96, 1.0)).toEqual([0.96, 0.97, 0.98, 0.99, 1]);
  });
});

describe.skipIf(SKIP_BROWSER)('vector HTML in chromium at 700 px', () => {
  it('recall-vs-QPS, latency-percentile and build-time charts are drawn, nothing clipped, no sideways scroll', async () => {
    const file = join(dir, 'vector.html');
    writeFileSync(file, renderHtml(report, renderVectorHtml(report)));
    const check = await checkHtml(file, { width: 700, screenshot: join(dir, 'vector.png') });
    expect(check.problems).toEqual([]);
    expect(check.svgs.map((s) => s.label)).toEqual(['recall versus QPS (l2@10)', 'latency percentiles', 'build time']);
    // Scaled down to the column, still drawn.
    for (const s of check.svgs) expect(s.width).toBeLessThanOrEqual(700);
  }, 90_000);
});
