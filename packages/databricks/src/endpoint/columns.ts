// PostgreSQL result columns → TCLIService column-based row sets (TColumn per column, nulls bitmaps),
// typed the way a Databricks SQL warehouse types them. Values arrive as PostgreSQL's text output.
import { createRequire } from 'node:module';
import Int64 from 'node-int64';
import pg from 'pg';
import { T } from './thrift.js';

// apache-arrow 13 (the driver's) publishes no types its "exports" resolve under NodeNext; its CommonJS build, untyped.
const arrow: any = createRequire(import.meta.url)('apache-arrow');

/** One column of a result as the endpoint describes it. */
export interface ColumnMeta {
  name: string;
  /** TTypeId name, e.g. `INT_TYPE`. */
  type: string;
  precision?: number;
  scale?: number;
  /** PostgreSQL type OID, to convert the text values. */
  oid: number;
}

const OID_TYPE: Record<number, string> = {
  16: 'BOOLEAN_TYPE',
  17: 'BINARY_TYPE',
  18: 'STRING_TYPE',
  19: 'STRING_TYPE',
  20: 'BIGINT_TYPE',
  21: 'SMALLINT_TYPE',
  23: 'INT_TYPE',
  25: 'STRING_TYPE',
  26: 'BIGINT_TYPE',
  // json comes from named_struct(…) (json_build_object): Databricks types that STRUCT.
  114: 'STRUCT_TYPE',
  700: 'FLOAT_TYPE',
  701: 'DOUBLE_TYPE',
  705: 'STRING_TYPE',
  1042: 'STRING_TYPE',
  1043: 'STRING_TYPE',
  1082: 'DATE_TYPE',
  1114: 'TIMESTAMP_TYPE',
  1184: 'TIMESTAMP_TYPE',
  1700: 'DECIMAL_TYPE',
  2278: 'NULL_TYPE',
  3802: 'STRING_TYPE',
};
/** Array OIDs with the OID of their element. */
const ARRAY_ELEMENT: Record<number, number> = { 1000: 16, 1005: 21, 1007: 23, 1009: 25, 1015: 1043, 1016: 20, 1021: 700, 1022: 701, 1231: 1700, 1182: 1082, 1115: 1114, 1185: 1184 };

/** The column descriptions of a PostgreSQL result. */
export function describeColumns(fields: ReadonlyArray<{ name: string; dataTypeID: number; dataTypeModifier: number }>): ColumnMeta[] {
  return fields.map((f) => {
    if (ARRAY_ELEMENT[f.dataTypeID] !== undefined) return { name: f.name, type: 'ARRAY_TYPE', oid: f.dataTypeID };
    const type = OID_TYPE[f.dataTypeID] ?? 'STRING_TYPE';
    const c: ColumnMeta = { name: f.name, type, oid: f.dataTypeID };
    if (type === 'DECIMAL_TYPE' && f.dataTypeModifier >= 4) {
      c.precision = ((f.dataTypeModifier - 4) >> 16) & 0xffff;
      c.scale = (f.dataTypeModifier - 4) & 0xffff;
    }
    return c;
  });
}

/** An unconstrained NUMERIC gets the precision and scale its values need (Databricks has no unbounded DECIMAL). */
export function settleDecimals(columns: ColumnMeta[], rows: ReadonlyArray<ReadonlyArray<unknown>>): void {
  columns.forEach((c, i) => {
    if (c.type !== 'DECIMAL_TYPE' || c.precision !== undefined) return;
    let scale = 0;
    let intDigits = 1;
    for (const r of rows) {
      const v = r[i];
      if (typeof v !== 'string') continue;
      const [int = '', frac = ''] = v.replace('-', '').split('.');
      scale = Math.max(scale, frac.length);
      intDigits = Math.max(intDigits, int.length);
    }
    c.scale = Math.min(scale, 38);
    c.precision = Math.min(38, Math.max(intDigits + c.scale, 1));
  });
}

/** Thrift TColumnDesc list for GetResultSetMetadata. */
export function schemaOf(columns: readonly ColumnMeta[]): unknown {
  return new T.TTableSchema({
    columns: columns.map((c, i) => {
      const qualifiers =
        c.type === 'DECIMAL_TYPE'
          ? new T.TTypeQualifiers({ qualifiers: { precision: new T.TTypeQualifierValue({ i32Value: c.precision ?? 38 }), scale: new T.TTypeQualifierValue({ i32Value: c.scale ?? 0 }) } })
          : undefined;
      return new T.TColumnDesc({
        columnName: c.name,
        position: i + 1,
        typeDesc: new T.TTypeDesc({ types: [new T.TTypeEntry({ primitiveEntry: new T.TPrimitiveTypeEntry({ type: T.TTypeId[c.type], typeQualifiers: qualifiers }) })] }),
      });
    }),
  });
}

function int64Of(text: string): Int64 {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(text));
  return new Int64(b);
}

/** Databricks prints timestamps as `yyyy-MM-dd HH:mm:ss[.SSS…]` in the session time zone (UTC here). */
function timestampText(text: string): string {
  return text.replace(/([+-]\d\d(:\d\d)?)$/, '');
}

function arrayValue(oid: number, text: string): string {
  const element = ARRAY_ELEMENT[oid] as number;
  const parsed = pg.types.getTypeParser(oid, 'text')(text) as unknown[];
  const numeric = element === 20 || element === 1700 || element === 21 || element === 23 || element === 700 || element === 701;
  return JSON.stringify(parsed.map((v) => (v === null ? null : numeric ? Number(v) : v instanceof Date ? v.toISOString() : v)));
}

/** The value of one cell as the endpoint keeps it (already converted from PostgreSQL's text). */
export function cellValue(c: ColumnMeta, text: string | null): unknown {
  if (text === null) return null;
  switch (c.type) {
    case 'BOOLEAN_TYPE':
      return text === 't' || text === 'true';
    case 'SMALLINT_TYPE':
    case 'INT_TYPE':
    case 'TINYINT_TYPE':
    case 'FLOAT_TYPE':
    case 'DOUBLE_TYPE':
      return Number(text);
    case 'BINARY_TYPE':
      return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : Buffer.from(text);
    case 'TIMESTAMP_TYPE':
      return timestampText(text);
    case 'ARRAY_TYPE':
      return arrayValue(c.oid, text);
    default:
      return text;
  }
}

function nullsOf(values: readonly unknown[]): Buffer {
  const b = Buffer.alloc(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v === null) b[i >> 3] = (b[i >> 3] as number) | (1 << (i & 7));
  });
  return b;
}

/** One TColumn of a page of rows. */
function columnOf(c: ColumnMeta, values: unknown[]): unknown {
  const nulls = nullsOf(values);
  const fill = <V>(empty: V, map: (v: unknown) => V = (v) => v as V): V[] => values.map((v) => (v === null ? empty : map(v)));
  switch (c.type) {
    case 'BOOLEAN_TYPE':
      return new T.TColumn({ boolVal: new T.TBoolColumn({ values: fill(false), nulls }) });
    case 'TINYINT_TYPE':
      return new T.TColumn({ byteVal: new T.TByteColumn({ values: fill(0), nulls }) });
    case 'SMALLINT_TYPE':
      return new T.TColumn({ i16Val: new T.TI16Column({ values: fill(0), nulls }) });
    case 'INT_TYPE':
      return new T.TColumn({ i32Val: new T.TI32Column({ values: fill(0), nulls }) });
    case 'BIGINT_TYPE':
      return new T.TColumn({ i64Val: new T.TI64Column({ values: fill(new Int64(0), (v) => int64Of(String(v))), nulls }) });
    case 'FLOAT_TYPE':
    case 'DOUBLE_TYPE':
      return new T.TColumn({ doubleVal: new T.TDoubleColumn({ values: fill(0), nulls }) });
    case 'BINARY_TYPE':
      return new T.TColumn({ binaryVal: new T.TBinaryColumn({ values: fill(Buffer.alloc(0)), nulls }) });
    default:
      return new T.TColumn({ stringVal: new T.TStringColumn({ values: fill('', (v) => String(v)), nulls }) });
  }
}

/** A column-based TRowSet of `rows` (cells as {@link cellValue} made them). */
export function rowSetOf(columns: readonly ColumnMeta[], rows: ReadonlyArray<ReadonlyArray<unknown>>, startRowOffset: number): unknown {
  return new T.TRowSet({
    startRowOffset: new Int64(startRowOffset),
    rows: [],
    columns: columns.map((c, i) => columnOf(c, rows.map((r) => r[i] ?? null))),
  });
}

// Arrow row sets, as a warehouse sends them to a driver that says it can read them: the schema as
// one IPC message (GetResultSetMetadata.arrowSchema), each page as IPC record-batch messages the
// driver appends to it. Native Arrow types for numbers, booleans, DATE and BINARY; DECIMAL,
// TIMESTAMP and the complex types as strings (the driver's own fallback mapping, useArrowNativeTypes
// not honoured).
function arrowType(c: ColumnMeta): unknown {
  switch (c.type) {
    case 'BOOLEAN_TYPE':
      return new arrow.Bool();
    case 'TINYINT_TYPE':
      return new arrow.Int8();
    case 'SMALLINT_TYPE':
      return new arrow.Int16();
    case 'INT_TYPE':
      return new arrow.Int32();
    case 'BIGINT_TYPE':
      return new arrow.Int64();
    case 'FLOAT_TYPE':
      return new arrow.Float32();
    case 'DOUBLE_TYPE':
      return new arrow.Float64();
    case 'DATE_TYPE':
      return new arrow.DateDay();
    case 'BINARY_TYPE':
      return new arrow.Binary();
    default:
      return new arrow.Utf8();
  }
}

function arrowValue(c: ColumnMeta, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (c.type === 'BIGINT_TYPE') return BigInt(String(v));
  if (c.type === 'DATE_TYPE') return new Date(`${String(v)}T00:00:00Z`).getTime();
  if (c.type === 'BINARY_TYPE') return new Uint8Array(v as Buffer);
  if (arrowType(c) instanceof arrow.Utf8) return String(v);
  return v;
}

const EOS_BYTES = 8;

/** The IPC schema message of a result (no end-of-stream marker: the driver appends batches to it). */
export function arrowSchemaOf(columns: readonly ColumnMeta[]): Buffer {
  const w = new arrow.RecordBatchStreamWriter();
  w.reset(undefined, new arrow.Schema(columns.map((c) => new arrow.Field(c.name, arrowType(c), true))));
  w.finish();
  const bytes = w.toUint8Array(true);
  return Buffer.from(bytes.subarray(0, bytes.length - EOS_BYTES));
}

/** One page of rows as IPC record-batch message bytes (to follow {@link arrowSchemaOf}). */
export function arrowBatchOf(columns: readonly ColumnMeta[], rows: ReadonlyArray<ReadonlyArray<unknown>>): Buffer {
  const fields = columns.map((c) => new arrow.Field(c.name, arrowType(c), true));
  const children = columns.map((c, i) => arrow.vectorFromArray(rows.map((r) => arrowValue(c, r[i])), fields[i]?.type).data[0]);
  const data = arrow.makeData({ type: new arrow.Struct(fields), length: rows.length, nullCount: 0, children });
  const full = arrow.RecordBatchStreamWriter.writeAll([new arrow.RecordBatch(new arrow.Schema(fields), data)]).toUint8Array(true);
  const schemaLength = arrowSchemaOf(columns).length;
  return Buffer.from(full.subarray(schemaLength, full.length - EOS_BYTES));
}
