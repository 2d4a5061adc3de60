// PostgreSQL results in the shape Snowflake's JSON result format gives them to snowflake-sdk:
// a `rowtype` (name, type, precision, scale, …) and a `rowset` of strings, each type in the
// encoding the driver's result/column.js decodes (dates as days since the epoch, times and
// timestamps as seconds with a 9-digit fraction, TIMESTAMP_TZ with its offset index, binary as
// upper-case hex, booleans as "1"/"0", variants as JSON text).

/** One column of a Snowflake JSON result. */
export interface RowType {
  name: string;
  database: string;
  schema: string;
  table: string;
  type: string;
  precision: number | null;
  scale: number | null;
  length: number | null;
  byteLength: number | null;
  nullable: boolean;
  collation: null;
}

/** A column as the pg driver describes it. */
export interface PgField {
  name: string;
  dataTypeID: number;
  dataTypeModifier: number;
}

const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  float4: 700,
  float8: 701,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  json: 114,
  jsonb: 3802,
} as const;

/** Scale of times and timestamps (Snowflake's default, nanoseconds). */
const TIME_SCALE = 9;

/**
 * Snowflake folds unquoted identifiers to upper case, PostgreSQL to lower case: a name that
 * PostgreSQL folded (all lower case) is reported as Snowflake would; a quoted mixed-case one as written.
 */
export function snowflakeName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name.toUpperCase() : name;
}

/** The Snowflake type of a PostgreSQL column, with the scale its values need when the type does not say. */
export function rowTypeOf(f: PgField, values: ReadonlyArray<string | null>, typesAsText = false): RowType {
  const base = { name: snowflakeName(f.name), database: '', schema: '', table: '', precision: null, scale: null, length: null, byteLength: null, nullable: true, collation: null } as const;
  if (typesAsText) return { ...base, type: 'text', length: 16_777_216, byteLength: 16_777_216 };
  switch (f.dataTypeID) {
    case OID.int2:
    case OID.int4:
    case OID.int8:
    case OID.oid:
      return { ...base, type: 'fixed', precision: 38, scale: 0 };
    case OID.numeric: {
      if (f.dataTypeModifier >= 4) {
        const m = f.dataTypeModifier - 4;
        return { ...base, type: 'fixed', precision: (m >> 16) & 0xffff, scale: m & 0xffff };
      }
      // An expression's numeric has no declared scale: the widest fraction among its values.
      const scale = Math.max(0, ...values.map((v) => (v && v.includes('.') ? v.length - v.indexOf('.') - 1 : 0)));
      return { ...base, type: 'fixed', precision: 38, scale: Math.min(scale, 37) };
    }
    case OID.float4:
    case OID.float8:
      return { ...base, type: 'real' };
    case OID.bool:
      return { ...base, type: 'boolean' };
    case OID.date:
      return { ...base, type: 'date' };
    case OID.time:
      return { ...base, type: 'time', scale: TIME_SCALE };
    case OID.timestamp:
      return { ...base, type: 'timestamp_ntz', scale: TIME_SCALE };
    case OID.timestamptz:
      return { ...base, type: 'timestamp_tz', scale: TIME_SCALE };
    case OID.bytea:
      return { ...base, type: 'binary', length: 8_388_608, byteLength: 8_388_608 };
    case OID.json:
    case OID.jsonb:
      return { ...base, type: 'variant' };
    default:
      return { ...base, type: 'text', length: 16_777_216, byteLength: 16_777_216 };
  }
}

/** `2024-02-29` → days since 1970-01-01. */
function days(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
}

/** `13:45:56.123` → `49556.123000000`. */
function secondsOfDay(time: string): string {
  const [h, m, rest] = time.split(':') as [string, string, string];
  const [s, frac = ''] = rest.split('.');
  return `${Number(h) * 3600 + Number(m) * 60 + Number(s)}.${frac.padEnd(TIME_SCALE, '0').slice(0, TIME_SCALE)}`;
}

/**
 * PostgreSQL's text of a timestamp (`2024-02-29 08:15:56.123+05:30`, or without an offset for
 * TIMESTAMP) → epoch seconds with a 9-digit fraction, and the offset in minutes.
 */
function epoch(ts: string): { seconds: string; offsetMinutes: number } {
  const m = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::(\d\d))?)?( BC)?$/.exec(ts);
  if (!m) throw new Error(`unreadable timestamp ${JSON.stringify(ts)}`);
  const [, y, mo, d, h, mi, s, frac = '', sign, oh = '0', om = '0'] = m;
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  const whole = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000 - offsetMinutes * 60;
  return { seconds: `${whole}.${frac.padEnd(TIME_SCALE, '0').slice(0, TIME_SCALE)}`, offsetMinutes };
}

/** One value (PostgreSQL's text form) in the encoding of its Snowflake type. */
export function encodeValue(type: string, raw: string | null): string | null {
  if (raw === null) return null;
  switch (type) {
    case 'boolean':
      return raw === 't' || raw === 'true' ? '1' : '0';
    case 'date':
      return String(days(raw));
    case 'time':
      return secondsOfDay(raw);
    case 'timestamp_ntz':
      return epoch(raw).seconds;
    case 'timestamp_tz': {
      const e = epoch(raw);
      // The driver's result version 1: "<epoch seconds> <offset minutes + 1440>".
      return `${e.seconds} ${e.offsetMinutes + 1440}`;
    }
    case 'binary':
      return raw.startsWith('\\x') ? raw.slice(2).toUpperCase() : Buffer.from(raw, 'latin1').toString('hex').toUpperCase();
    default:
      return raw;
  }
}
