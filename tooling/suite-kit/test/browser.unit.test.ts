// checkHtml's browser lookup: a machine without chromium gets one clear line, never a silent skip.
import { describe, expect, it } from 'vitest';
import { findChromium, SKIP_BROWSER } from '../src/index.js';

describe('findChromium', () => {
  it('names what is missing and how to fix it', () => {
    expect(() => findChromium({ HC_CHROMIUM: '/nonexistent/chromium' })).toThrow(
      /^chromium not found \(HC_CHROMIUM=\/nonexistent\/chromium\): .*apt-get install chromium.*HC_SKIP_BROWSER=1/,
    );
  });

  it.skipIf(SKIP_BROWSER)('finds Debian chromium on this machine (.ci/run installs it)', () => {
    expect(findChromium({ PATH: process.env.PATH })).toMatch(/chromium$/);
  });
});
