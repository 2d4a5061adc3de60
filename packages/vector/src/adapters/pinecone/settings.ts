import { randomBytes } from 'node:crypto';
import { CannotRunError } from '@helios-conformance/core';
import type { PineconeStoreOptions } from '../pinecone.js';

/** The store's options, checked and with their defaults. */
export interface PineconeSettings {
  apiKey: string;
  /** Control-plane URL without trailing slashes. */
  controller: string;
  runId: string;
  /** Scheme for data-plane hosts the control plane names without one (a local emulator speaks http). */
  dataScheme: 'http://' | 'https://';
  /** The existing index every collection goes into, if any. */
  index: string | undefined;
  cloud: string;
  region: string;
  requestTimeoutMs: number;
  readyTimeoutMs: number;
  consistencyTimeoutMs: number;
  maxRetries: number;
}

/** Checks the options (a missing key is a CannotRunError, a malformed run id a TypeError) and fills in the defaults. */
export function resolveSettings(options: PineconeStoreOptions): PineconeSettings {
  if (!options.apiKey) throw new CannotRunError('Pinecone needs an API key (set PINECONE_API_KEY)');
  const controller = (options.host ?? 'https://api.pinecone.io').replace(/\/+$/, '');
  const runId = options.runId ?? randomBytes(8).toString('hex').slice(0, 8);
  if (!/^[a-z0-9]{8}$/.test(runId)) throw new TypeError(`runId must be 8 characters [a-z0-9], got ${JSON.stringify(runId)}`);
  return {
    apiKey: options.apiKey,
    controller,
    runId,
    dataScheme: controller.startsWith('http://') ? 'http://' : 'https://',
    index: options.index,
    cloud: options.cloud ?? 'aws',
    region: options.region ?? 'us-east-1',
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    readyTimeoutMs: options.readyTimeoutMs ?? 300_000,
    consistencyTimeoutMs: options.consistencyTimeoutMs ?? 60_000,
    maxRetries: options.maxRetries ?? 2,
  };
}

/** `items` in slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
