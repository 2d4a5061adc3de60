// Comparing what the driver returns with what a case expects, whatever row-set format the endpoint
// chose: column-based row sets give DATE and TIMESTAMP as strings (a timestamp in the session's time
// zone, without offset), Arrow row sets give Date objects.
import { query, type DbxContext } from './case-kit.js';

/** The session time zone as the endpoint reports it (`current_timezone()`). */
export async function sessionTimeZone(ctx: DbxContext): Promise<string> {
  const rows = await query(ctx, 'SELECT current_timezone() AS tz');
  const tz = rows[0]?.tz;
  if (typeof tz !== 'string' || !tz) ctx.fail(`SELECT current_timezone() returned ${JSON.stringify(rows)}`);
  return tz;
}

/** True when `v` is the calendar day `ymd` (YYYY-MM-DD). */
export function sameDate(v: unknown, ymd: string): boolean {
  if (v instanceof Date) return v.toISOString().slice(0, 10) === ymd;
  return typeof v === 'string' && v.slice(0, 10) === ymd && (v.length === 10 || /^[ T]00:00:00/.test(v.slice(10)));
}

/** `instant` as a wall-clock time in `zone`: `YYYY-MM-DD HH:MM:SS.mmm`. */
export function wallClock(instant: Date, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: zone === 'Z' ? 'UTC' : zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}.${String(instant.getUTCMilliseconds()).padStart(3, '0')}`;
}

/** Whether `v` (a Date, or a zone-less string in `zone`) is `instant`, to the millisecond. */
export function sameTimestamp(v: unknown, instant: Date, zone: string): { same: boolean; why: string } {
  if (v instanceof Date) return { same: v.getTime() === instant.getTime(), why: `a Date, ${v.toISOString()}` };
  if (typeof v !== 'string') return { same: false, why: `a ${typeof v}, neither a Date nor a string` };
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?$/.exec(v);
  if (!m) return { same: false, why: 'not a yyyy-MM-dd HH:mm:ss[.SSS] timestamp' };
  const millis = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  const got = `${m[1]} ${m[2]}.${millis}`;
  const want = wallClock(instant, zone);
  return { same: got === want && /^0*$/.test((m[3] ?? '').slice(3)), why: `as a wall-clock time in ${zone}, expected ${want}` };
}
