// The suite's numeric and enumerated CLI options, read one way for every case group.
import { CannotRunError, type OpenOptions } from '@helios-conformance/core';

type Options = OpenOptions['options'];

/** `--name` as a number in [min, max] (a whole number when `integer`), else `fallback`; anything else is exit 2. */
export function numberOption(options: Options, name: string, fallback: number, min: number, max: number, integer = false): number {
  const v = options[name];
  if (v === undefined || v === false) return fallback;
  const n = Number(v);
  const ok = typeof v === 'string' && (integer ? /^\d+$/ : /^\d+(\.\d+)?$/).test(v) && n >= min && n <= max;
  if (!ok) throw new CannotRunError(`--${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return n;
}

/** `--name` as one of `allowed`, else `fallback`; anything else is exit 2. */
export function oneOfOption<T extends string>(options: Options, name: string, allowed: readonly T[], fallback: T): T {
  const v = options[name];
  if (v === undefined || v === false) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new CannotRunError(`--${name} must be ${allowed.join(' or ')}, not ${JSON.stringify(v)}`);
  return v as T;
}
