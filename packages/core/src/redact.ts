import { escapeXml } from './_internal/escape.js';

/** Placeholder that replaces secrets in every output. */
export const REDACTED = '***';

const PARAM_SECRET_RE = /([?&;\s]|^)((?:password|passwd|pwd|sslpassword|api[_-]?key|token|secret)=)([^&;\s]*)/gi;

/**
 * Hides the password of a DSN (URL form `scheme://user:pass@host/db?password=…` or libpq
 * `key=value` form) while keeping the rest readable, so reports can show which endpoint was judged.
 */
export function redactDsn(dsn: string): string {
  let out = dsn;
  try {
    const url = new URL(dsn);
    if (url.password) url.password = REDACTED;
    for (const key of [...url.searchParams.keys()]) {
      if (/^(password|passwd|pwd|sslpassword|api[_-]?key|token|secret)$/i.test(key)) url.searchParams.set(key, REDACTED);
    }
    out = url.toString().replace(encodeURIComponent(REDACTED), REDACTED).replaceAll('%2A%2A%2A', REDACTED);
  } catch {
    // Not a WHATWG URL (e.g. libpq key=value, or malformed): fall back to textual masking.
    out = out.replace(/(\/\/[^:/@\s]*:)([^@\s]*)(@)/g, `$1${REDACTED}$3`);
  }
  return out.replace(PARAM_SECRET_RE, `$1$2${REDACTED}`);
}

/** Pulls the secret parts (password and secret query parameters) out of a DSN. */
export function secretsOfDsn(dsn: string): string[] {
  const found: string[] = [];
  try {
    const url = new URL(dsn);
    if (url.password) found.push(url.password);
    for (const [k, v] of url.searchParams) {
      if (v && /^(password|passwd|pwd|sslpassword|api[_-]?key|token|secret)$/i.test(k)) found.push(v);
    }
  } catch {
    const m = /\/\/[^:/@\s]*:([^@\s]*)@/.exec(dsn);
    if (m?.[1]) found.push(m[1]);
  }
  for (const m of dsn.matchAll(PARAM_SECRET_RE)) if (m[3]) found.push(m[3]);
  return found;
}

/**
 * Scrubs known secrets from any text, in every spelling a driver or URL parser may produce
 * (raw, percent-encoded, percent-decoded), so a password never reaches stdout, stderr or a file.
 */
export class Redactor {
  #secrets = new Set<string>();

  /** Registers a secret and its encoded forms. Empty strings are ignored. */
  add(secret: string | undefined | null): this {
    if (!secret) return this;
    const forms = new Set<string>([secret]);
    for (const f of [...forms]) {
      forms.add(encodeURIComponent(f));
      forms.add(JSON.stringify(f).slice(1, -1));
      forms.add(escapeXml(f));
      forms.add(escapeXml(escapeXml(f)));
    }
    for (const f of forms) if (f) this.#secrets.add(f);
    return this;
  }

  /** Registers the secrets of a DSN. */
  addDsn(dsn: string | undefined): this {
    if (!dsn) return this;
    for (const s of secretsOfDsn(dsn)) {
      // The DSN holds the percent-encoded form; drivers and servers echo the decoded one.
      this.add(s);
      try {
        this.add(decodeURIComponent(s));
      } catch {
        // not valid percent-encoding: the raw form is all there is
      }
    }
    return this;
  }

  /** True when no secret is registered. */
  get empty(): boolean {
    return this.#secrets.size === 0;
  }

  /** Replaces every registered secret with `***`. Longest first, so a secret containing another is fully hidden. */
  redact(text: string): string {
    if (this.#secrets.size === 0 || !text) return text;
    let out = text;
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** Deep-redacts every string in a JSON-like value. */
  redactValue<V>(value: V): V {
    if (typeof value === 'string') return this.redact(value) as V;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as V;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.redactValue(v);
      return out as V;
    }
    return value;
  }
}
