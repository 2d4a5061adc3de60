import { basename } from 'node:path';
import { loadExpectations, ExpectationsError, type Expectations } from './expectations.js';
import { CannotRunError } from './model.js';

/**
 * What the endpoint said it is, once opened: the only input to the choice of a shipped
 * expectations file. Verdicts still come from what each case observes.
 */
export interface EndpointFingerprint {
  /** The session's self-description (`PostgreSQL 15.14`, `PostgreSQL 18.6 (PGlite 0.5.14)`, `10.11.19-MariaDB-0+deb12u1`), redacted. */
  server: string | null;
  /** Capabilities the session declared. */
  capabilities: readonly string[];
  /** True when the run started the suite's embedded default (no DSN). */
  embedded: boolean;
}

/**
 * An expectations file a suite ships for one kind of endpoint. Without an explicit expectations
 * file, the CLI and the vitest binding apply the first entry whose `matches` accepts the endpoint.
 */
export interface ShippedExpectations {
  /** Absolute path of the JSON file (shipped in the package, e.g. next to `dist/`). */
  file: string;
  /** The endpoint it was observed on, in words: `PGlite`, `PostgreSQL 15.x`, `MariaDB 10.11.x`. */
  describes: string;
  /** A pattern tested against the server string, or a predicate on the whole fingerprint. */
  matches: RegExp | ((fingerprint: EndpointFingerprint) => boolean);
}

/** Where the expectations of a run came from. */
export type ExpectationsSource = 'explicit' | 'shipped' | 'none';

/** The expectations a run applies, and why (recorded in the report, said on the console). */
export interface ExpectationsChoice {
  expectations: Expectations | undefined;
  /** Path of the file applied (null for none, or an inline object). */
  file: string | null;
  source: ExpectationsSource;
  /** One clause: why this file (or none) applies. */
  reason: string;
  /** The console line that names the choice (null for a suite that ships none and was given none: nothing to say). */
  line: string | null;
}

/** How a run chooses; the CLI and the vitest binding fill it from their flag / options. */
export interface ChooseOptions {
  /** Expectations the user gave (`--expectations FILE`, the binding's `expectations`): they always win. */
  explicit?: { expectations: Expectations; file: string | null; via: string };
  /** Apply the suite's matching shipped file when nothing explicit is given. */
  shipped: boolean;
  /** How the user turns shipped expectations off, named in the line (`--no-shipped-expectations`). */
  offHint: string;
}

/** The first shipped entry that describes this endpoint. */
export function matchShipped(shipped: readonly ShippedExpectations[] | undefined, fp: EndpointFingerprint): ShippedExpectations | undefined {
  return (shipped ?? []).find((s) => (s.matches instanceof RegExp ? fp.server !== null && s.matches.test(fp.server) : s.matches(fp)));
}

const quoted = (server: string | null): string => (server === null ? 'no version string' : `"${server}"`);

/**
 * Chooses the expectations of one run after the endpoint was opened: the explicit file wins;
 * otherwise (unless turned off) the suite's shipped file that matches the fingerprint; otherwise none.
 * A shipped file that cannot be read is a CannotRunError (a broken package, not a verdict).
 */
export async function chooseExpectations(
  suite: { shippedExpectations?: readonly ShippedExpectations[] },
  fp: EndpointFingerprint,
  o: ChooseOptions,
): Promise<ExpectationsChoice> {
  if (o.explicit) {
    const name = o.explicit.file ?? 'inline object';
    const reason = `given by ${o.explicit.via}`;
    return { expectations: o.explicit.expectations, file: o.explicit.file, source: 'explicit', reason, line: `expectations: ${name} (${reason})` };
  }
  const available = suite.shippedExpectations ?? [];
  const hit = matchShipped(available, fp);
  if (hit && !o.shipped) {
    const reason = `shipped ${basename(hit.file)} (${hit.describes}) turned off by ${o.offHint}`;
    return { expectations: undefined, file: null, source: 'none', reason, line: `expectations: none (${reason})` };
  }
  if (!hit) {
    const known = available.map((s) => `${basename(s.file)} for ${s.describes}`).join(', ');
    const reason = available.length
      ? `no shipped file describes the endpoint ${quoted(fp.server)} (shipped: ${known})`
      : 'none given and the suite ships none';
    return { expectations: undefined, file: null, source: 'none', reason, line: available.length ? `expectations: none (${reason})` : null };
  }
  let expectations: Expectations;
  try {
    expectations = await loadExpectations(hit.file);
  } catch (e) {
    throw new CannotRunError(`shipped expectations: ${e instanceof ExpectationsError ? e.message : String(e)}`);
  }
  const reason = `endpoint is ${hit.describes}: it reported ${quoted(fp.server)}`;
  return {
    expectations,
    file: hit.file,
    source: 'shipped',
    reason,
    line: `expectations: shipped ${basename(hit.file)} (${reason}; turn off with ${o.offHint})`,
  };
}
