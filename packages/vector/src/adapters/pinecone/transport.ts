import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pinecone } from '@pinecone-database/pinecone';
import type { PineconeSettings } from './settings.js';

/** An error from Pinecone, with the HTTP status when there was one; the message never holds the API key. */
export class PineconeRequestError extends Error {
  override readonly name = 'PineconeRequestError';
  constructor(
    message: string,
    /** The SDK's error class, e.g. `PineconeBadRequestError`. */
    readonly kind: string,
  ) {
    super(message);
  }
}

/** True when `e` is a {@link PineconeRequestError} of the SDK error class `kind`. */
export const isRequestError = (e: unknown, kind: string): boolean => e instanceof PineconeRequestError && e.kind === kind;

/** The SDK puts the raw response body into its messages; keep the service's own message when the body is JSON. */
function bodyMessage(message: string): string {
  try {
    const body = JSON.parse(message) as { error?: { message?: unknown; code?: unknown }; message?: unknown };
    const text = body.error?.message ?? body.message;
    if (typeof text === 'string' && text) return body.error?.code ? `${String(body.error.code)}: ${text}` : text;
  } catch {
    // not JSON: the SDK's own sentence
  }
  return message;
}

/** How the store talks to Pinecone: one SDK client, calls with a signal and a deadline, errors scrubbed of the key. */
export interface Transport {
  /** The SDK client (imported on first use). */
  client(): Promise<Pinecone>;
  /**
   * Runs one SDK call under `signal` (the SDK takes none: it reaches our fetch through async
   * context). A failure is a {@link PineconeRequestError} saying `what` failed; an abort rethrows the signal's reason.
   */
  call<R>(signal: AbortSignal | undefined, what: string, fn: (client: Pinecone) => Promise<R>): Promise<R>;
  /** `s` with the API key replaced by `***`. */
  scrub(s: string): string;
}

/** The transport of one store. */
export function createTransport(s: PineconeSettings): Transport {
  // The SDK takes no per-call AbortSignal: the caller's signal travels to our fetch through
  // async context, combined with a per-request deadline.
  const callSignal = new AsyncLocalStorage<AbortSignal | undefined>();
  const fetchApi = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const outer = callSignal.getStore();
    if (outer?.aborted) return Promise.reject(outer.reason instanceof Error ? outer.reason : new Error('aborted'));
    const signals = [AbortSignal.timeout(s.requestTimeoutMs)];
    if (outer) signals.push(outer);
    if (init?.signal) signals.push(init.signal);
    return fetch(input, { ...init, signal: AbortSignal.any(signals) });
  };

  const scrub = (text: string): string => text.split(s.apiKey).join('***');
  let sdk: Promise<Pinecone> | undefined;
  const client = (): Promise<Pinecone> =>
    (sdk ??= import('@pinecone-database/pinecone').then((mod) => {
      const Ctor = (mod as { Pinecone?: typeof Pinecone }).Pinecone ?? (mod as unknown as { default: { Pinecone: typeof Pinecone } }).default.Pinecone;
      return new Ctor({ apiKey: s.apiKey, controllerHostUrl: s.controller, fetchApi: fetchApi as never, maxRetries: s.maxRetries, sourceTag: 'helios_conformance' });
    }));

  const call = async <R>(signal: AbortSignal | undefined, what: string, fn: (c: Pinecone) => Promise<R>): Promise<R> => {
    signal?.throwIfAborted();
    const c = await client();
    try {
      return await callSignal.run(signal, () => fn(c));
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      const err = e as { name?: string; message?: string };
      throw new PineconeRequestError(`Pinecone ${what}: ${scrub(bodyMessage(err.message ?? String(e)))}`, err.name ?? 'Error');
    }
  };

  return { client, call, scrub };
}
