// Checks a report's HTML in a real browser (Debian's chromium, headless): the page must not scroll
// sideways at the given viewport width, every <svg> chart must be drawn with a nonzero size, and no
// chart text may stick out of its chart. A static DOM check cannot tell any of this: only layout can.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Set HC_SKIP_BROWSER=1 to skip the browser checks on a machine without chromium (never in CI). */
export const SKIP_BROWSER: boolean = process.env.HC_SKIP_BROWSER === '1';

/** One chart as laid out. */
export interface SvgCheck {
  /** Its aria-label (or `svg #n`). */
  label: string;
  width: number;
  height: number;
  /** Texts whose box lies (partly) outside the chart's box, with how far. */
  clipped: string[];
}

/** What the browser measured. */
export interface HtmlCheck {
  innerWidth: number;
  /** document.scrollingElement.scrollWidth: more than innerWidth means the page scrolls sideways. */
  scrollWidth: number;
  svgs: SvgCheck[];
  /** Elements that scroll sideways inside the page (overflow:auto containers wider than their box). */
  innerScrollers: string[];
  /** Per name of {@link CheckHtmlOptions.colours}: the computed background colour of each matching element. */
  colours: Record<string, string[]>;
  /** Every problem in one list: empty when the page passes. */
  problems: string[];
  /** The PNG screenshot, when one was asked for. */
  screenshot?: string;
}

/** Options of {@link checkHtml}. */
export interface CheckHtmlOptions {
  /** Viewport width in CSS pixels (default 700). */
  width?: number;
  /** Viewport height (default 900). */
  height?: number;
  /** Where to write a PNG screenshot of the first viewport. */
  screenshot?: string;
  /**
   * Name → CSS selector: reports the rendered background colour of every element it matches
   * (what a reader sees, after every stylesheet), e.g. to tell coloured table cells apart.
   */
  colours?: Record<string, string>;
  /** Deadline of each chromium spawn (default 30 s); the process group is killed when it passes. */
  timeoutMs?: number;
}

/**
 * The chromium binary: `HC_CHROMIUM` when set (and then only it), else /usr/bin/chromium, else
 * `chromium` on PATH; a clear error otherwise.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = env.HC_CHROMIUM ? [env.HC_CHROMIUM] : ['/usr/bin/chromium', ...(env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'chromium'))];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error(`chromium not found (${env.HC_CHROMIUM ? `HC_CHROMIUM=${env.HC_CHROMIUM}` : '/usr/bin/chromium or on PATH'}): the HTML report checks need a real browser; install it (apt-get install chromium, as .ci/run does) or set HC_SKIP_BROWSER=1 to skip them`);
}

// Runs in the page after layout: measures, then writes the result as JSON into a <pre> that
// --dump-dom prints. Kept in plain ES2017 so any chromium runs it.
const PROBE = String.raw`(function (colours) {
  var out = { innerWidth: window.innerWidth, scrollWidth: document.scrollingElement.scrollWidth, svgs: [], innerScrollers: [], colours: {} };
  Object.keys(colours).forEach(function (name) {
    out.colours[name] = Array.prototype.map.call(document.querySelectorAll(colours[name]), function (e) { return getComputedStyle(e).backgroundColor; });
  });
  var svgs = document.querySelectorAll('svg');
  for (var i = 0; i < svgs.length; i++) {
    var s = svgs[i];
    var r = s.getBoundingClientRect();
    var label = s.getAttribute('aria-label') || ('svg #' + (i + 1));
    var clipped = [];
    var texts = s.querySelectorAll('text');
    for (var j = 0; j < texts.length; j++) {
      var t = texts[j].getBoundingClientRect();
      if (t.width === 0 && t.height === 0) continue;
      var over = Math.max(r.left - t.left, t.right - r.right, r.top - t.top, t.bottom - r.bottom);
      if (over > 0.5) clipped.push(JSON.stringify(texts[j].textContent) + ' sticks out by ' + over.toFixed(1) + ' px');
    }
    if (r.right > window.innerWidth + 0.5) clipped.push('the chart itself ends at ' + r.right.toFixed(0) + ' px, beyond the ' + window.innerWidth + ' px viewport');
    out.svgs.push({ label: label, width: r.width, height: r.height, clipped: clipped });
  }
  var all = document.body.querySelectorAll('*');
  for (var k = 0; k < all.length; k++) {
    var e = all[k];
    var ox = getComputedStyle(e).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && e.scrollWidth > e.clientWidth + 1) {
      out.innerScrollers.push(e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' (' + e.scrollWidth + ' > ' + e.clientWidth + ' px)');
    }
  }
  var pre = document.createElement('pre');
  pre.id = 'hc-browser-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})`;

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs chromium headless with `args`; kills its whole process group at the deadline and after it exits. */
function runChromium(args: string[], timeoutMs: number): Promise<Spawned> {
  const bin = findChromium();
  const profile = mkdtempSync(path.join(os.tmpdir(), 'hc-chromium-'));
  // Chromium also makes scratch dirs (org.chromium.Chromium.*) under TMPDIR that it never removes:
  // give it one inside the profile, removed with it.
  const scratch = path.join(profile, 'tmp');
  mkdirSync(scratch);
  const child = spawn(
    bin,
    ['--headless=new', '--disable-gpu', '--no-sandbox', '--no-first-run', '--no-default-browser-check', '--disable-extensions', '--hide-scrollbars', `--user-data-dir=${profile}`, ...args],
    // Own process group: chromium forks renderer/zygote children that must die with it.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, TMPDIR: scratch } },
  );
  const killGroup = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<Spawned>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup();
      reject(new Error(`chromium did not finish within ${timeoutMs} ms (killed): ${args.at(-1)}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      killGroup();
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      killGroup();
      resolve({ code, stdout, stderr });
    });
  }).finally(() => rmSync(profile, { recursive: true, force: true, maxRetries: 3 }));
}

/**
 * Loads `file` (an HTML report) in headless chromium at `width`×`height` and measures it: page
 * width against the viewport, each <svg>'s size, chart texts outside their chart, containers that
 * scroll sideways. Optionally writes a screenshot. Never throws for a bad page: read `problems`.
 */
export async function checkHtml(file: string, o: CheckHtmlOptions = {}): Promise<HtmlCheck> {
  const width = o.width ?? 700;
  const height = o.height ?? 900;
  const timeoutMs = o.timeoutMs ?? 30_000;
  const html = readFileSync(file, 'utf8');
  // A copy with the probe appended, next to nothing else: the report is self-contained.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-html-check-'));
  try {
    const probed = path.join(dir, 'page.html');
    const i = html.lastIndexOf('</body>');
    const script = `<script>${PROBE}(${JSON.stringify(o.colours ?? {}).replace(/</g, '\\u003c')});</script>`;
    writeFileSync(probed, i >= 0 ? `${html.slice(0, i)}${script}${html.slice(i)}` : html + script);
    const size = `--window-size=${width},${height}`;
    const dumped = await runChromium([size, '--dump-dom', pathToFileURL(probed).href], timeoutMs);
    const m = /<pre id="hc-browser-check">([^<]*)<\/pre>/.exec(dumped.stdout);
    if (!m) throw new Error(`chromium printed no measurement for ${file} (exit ${dumped.code}): ${dumped.stderr.split('\n').slice(-3).join(' ')}`);
    const raw = JSON.parse(m[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Omit<HtmlCheck, 'problems'>;
    const problems: string[] = [];
    if (raw.innerWidth !== width) problems.push(`the viewport is ${raw.innerWidth} px wide, not ${width} px`);
    if (raw.scrollWidth > raw.innerWidth) problems.push(`the page scrolls sideways: ${raw.scrollWidth} px wide in a ${raw.innerWidth} px viewport`);
    for (const s of raw.svgs) {
      if (!(s.width > 0 && s.height > 0)) problems.push(`chart "${s.label}" has no size (${s.width}×${s.height})`);
      for (const c of s.clipped) problems.push(`chart "${s.label}": ${c}`);
    }
    const result: HtmlCheck = { ...raw, problems };
    if (o.screenshot) {
      // The original file, not the probed copy: the screenshot shows what a reader sees.
      const shot = await runChromium([size, `--screenshot=${o.screenshot}`, pathToFileURL(path.resolve(file)).href], timeoutMs);
      let bytes = 0;
      try {
        bytes = statSync(o.screenshot).size;
      } catch {
        // reported below
      }
      if (bytes === 0) problems.push(`no screenshot written (chromium exit ${shot.code})`);
      result.screenshot = o.screenshot;
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
