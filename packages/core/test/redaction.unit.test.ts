import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, redactDsn, Redactor, type Suite } from '../src/index.js';
import { loadToy } from './helpers.js';

let toy: Suite<any>;
beforeAll(async () => {
  toy = await loadToy();
});

const CHARS = Array.from('abcXYZ0189!@#$%^&*()[]{}<>"\'`/\\:;?=+,.~ -_|éß€😀中');
const password = fc.string({ unit: fc.constantFrom(...CHARS), minLength: 8, maxLength: 24 });

function sink(isTTY: boolean) {
  let text = '';
  return { write: (s: string) => void (text += s), isTTY, get text() { return text; } };
}

describe('passwords never reach any output', () => {
  it('redactDsn hides URL passwords and secret parameters', () => {
    expect(redactDsn('postgres://app:s3cr%40t@db:5432/x?sslmode=require&password=other')).toBe('postgres://app:***@db:5432/x?sslmode=require&password=***');
    expect(redactDsn('host=db user=app password=s3cret dbname=x')).toBe('host=db user=app password=*** dbname=x');
    expect(new Redactor().addDsn('mysql://u:p%40ss%2Fword@h/db').redact('login p@ss/word and p%40ss%2Fword')).toBe('login *** and ***');
  });

  it('property: stdout, stderr, JSON, JUnit, HTML and the expectations baseline never contain the password', async () => {
    await fc.assert(
      fc.asyncProperty(password, fc.boolean(), fc.boolean(), async (pw, tty, viaEnv) => {
        const dir = mkdtempSync(join(tmpdir(), 'hc-redact-'));
        try {
          const dsn = `toy://app:${encodeURIComponent(pw)}@local/db?caps=feature-x`;
          const stdout = sink(tty);
          const stderr = sink(tty);
          const exp = join(dir, 'exp.json');
          writeFileSync(exp, JSON.stringify({ expectations: {} }));
          const args = ['--only', 'TOY-001,TOY-002,TOY-003,TOY-005,TOY-007,TOY-011', '--json', join(dir, 'r.json'), '--junit', join(dir, 'r.xml'), '--html', join(dir, 'r.html'), '--expectations', exp, '--update-expectations', join(dir, 'base.json')];
          const code = await runCli(toy, viaEnv ? args : ['--dsn', dsn, ...args], { stdout, stderr, env: viaEnv ? { HC_DSN: dsn } : {} });
          expect(code).toBe(1);
          const outputs: Record<string, string> = { stdout: stdout.text, stderr: stderr.text };
          for (const f of readdirSync(dir)) outputs[f] = readFileSync(join(dir, f), 'utf8');
          expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['r.json', 'r.xml', 'r.html', 'base.json']));
          // the case really tried to leak: its error message is in the report, redacted
          expect(outputs['r.json']).toContain('password authentication failed for toy://app:***@local/db');
          for (const [name, text] of Object.entries(outputs)) {
            for (const form of [pw, encodeURIComponent(pw)]) {
              if (text.includes(form)) throw new Error(`${name} contains the password ${JSON.stringify(pw)}`);
            }
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a password is hidden also in one-line exit-2 errors', async () => {
    const stdout = sink(false);
    const stderr = sink(false);
    const code = await runCli(toy, ['--dsn', 'toy://u:Sup3r-Secret!@down/x'], { stdout, stderr, env: {} });
    expect(code).toBe(2);
    expect(stderr.text).toContain('toy://u:***@down/x');
    expect(stdout.text + stderr.text).not.toContain('Sup3r-Secret!');
  });
});
