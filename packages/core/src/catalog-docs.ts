import type { Suite } from './model.js';

/**
 * The suite's docs page, generated from its catalog: one table row per case (ID, priority,
 * area, what it checks, capabilities it needs, spec link). Suites commit the output as
 * `docs/cases.md` and test that it is current.
 */
export function renderCatalogMarkdown(suite: Suite<any>): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const counts = ['p0', 'p1', 'p2'].map((p) => `${suite.cases.filter((c) => c.priority === p).length} ${p.toUpperCase()}`).join(', ');
  const lines = [
    `# ${suite.name} — cases`,
    '',
    `<!-- generated from the catalog by renderCatalogMarkdown(); do not edit by hand -->`,
    '',
    `${suite.description}`,
    '',
    `${suite.cases.length} cases (${counts}). P0 must pass for Gold, P0+P1 for Silver, all for Bronze.`,
    '',
    '| ID | Priority | Area | What it checks | Requires | Spec |',
    '|---|---|---|---|---|---|',
    ...suite.cases.map(
      (c) =>
        `| ${c.id} | ${c.priority.toUpperCase()} | ${c.area} | ${cell(c.title)} | ${(c.requires ?? []).join(', ')} | ${c.spec ? `[link](${c.spec})` : ''} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
