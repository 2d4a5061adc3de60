import { describe, expect, it } from 'vitest';
import { requireMysql2 } from '../src/suite.js';

describe('mysql2 is an optional peer', () => {
  it('is found in this workspace (a dev dependency)', () => expect(() => requireMysql2()).not.toThrow());
  it('when it cannot be resolved, a mysql topology refuses with one line naming what to install', () => {
    const missing = (): string => {
      throw Object.assign(new Error("Cannot find module 'mysql2'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => requireMysql2(missing)).toThrow(/^this topology's family is mysql: it needs the driver mysql2, .*: npm install mysql2$/);
  });
});
