// Pinecone's metadata filter language (a MongoDB subset), evaluated by the fake server.
// https://docs.pinecone.io/guides/search/filter-by-metadata — operators $eq $ne $gt $gte $lt $lte
// $in $nin $exists, combined with $and / $or; `{field: value}` is shorthand for `$eq`.

/** Metadata values Pinecone stores: strings, numbers, booleans and lists of strings. */
export type MetaValue = string | number | boolean | string[];

/** Thrown for a filter the real service would reject with 400. */
export class FilterError extends Error {}

const FIELD_OPS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);

function compare(value: MetaValue | undefined, op: string, arg: unknown): boolean {
  switch (op) {
    case '$eq':
      return Array.isArray(value) ? value.includes(arg as string) : value === arg;
    case '$ne':
      return Array.isArray(value) ? !value.includes(arg as string) : value !== arg;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      if (typeof arg !== 'number') throw new FilterError(`${op} needs a number, got ${JSON.stringify(arg)}`);
      if (typeof value !== 'number') return false;
      return op === '$gt' ? value > arg : op === '$gte' ? value >= arg : op === '$lt' ? value < arg : value <= arg;
    }
    case '$in':
    case '$nin': {
      if (!Array.isArray(arg)) throw new FilterError(`${op} needs an array`);
      const hit = Array.isArray(value) ? value.some((v) => arg.includes(v)) : arg.includes(value);
      return op === '$in' ? hit : !hit;
    }
    case '$exists':
      if (typeof arg !== 'boolean') throw new FilterError('$exists needs a boolean');
      return (value !== undefined) === arg;
    default:
      throw new FilterError(`unsupported operator ${op}`);
  }
}

/** Throws {@link FilterError} for a malformed filter (checked once, before any record is scanned). */
export function validateFilter(filter: unknown): void {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw new FilterError('filter must be an object');
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(cond) || cond.length === 0) throw new FilterError(`${key} needs a non-empty array`);
      cond.forEach(validateFilter);
    } else if (key.startsWith('$')) {
      throw new FilterError(`unsupported operator ${key} at the top level`);
    } else if (typeof cond === 'object' && cond !== null && !Array.isArray(cond)) {
      for (const op of Object.keys(cond)) if (!FIELD_OPS.has(op)) throw new FilterError(`unsupported operator ${op}`);
    }
  }
}

/** Whether a record's metadata passes a (validated) filter. */
export function matches(meta: Record<string, MetaValue>, filter: Record<string, unknown>): boolean {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and') {
      if (!(cond as Record<string, unknown>[]).every((f) => matches(meta, f))) return false;
    } else if (key === '$or') {
      if (!(cond as Record<string, unknown>[]).some((f) => matches(meta, f))) return false;
    } else if (typeof cond === 'object' && cond !== null && !Array.isArray(cond)) {
      for (const [op, arg] of Object.entries(cond)) if (!compare(meta[key], op, arg)) return false;
    } else if (!compare(meta[key], '$eq', cond)) {
      return false;
    }
  }
  return true;
}
