// FAKE PINECONE — a local stand-in, NOT Pinecone. Every run against it is "contract-tested, not
// verified against Pinecone" (VectorTarget.simulated = true).
//
// A small node:http server on 127.0.0.1 that speaks the subset of Pinecone's REST API that
// `@pinecone-database/pinecone` 8 (API version 2026-04) calls, so the kit's own CI and vendors can
// contract-test the Pinecone adapter without an account. Paths and JSON shapes follow the SDK's
// generated OpenAPI client (dist/pinecone-generated-ts-fetch/db_control and db_data):
//   control plane  GET/POST /indexes, GET/DELETE /indexes/{name}
//   data plane     POST /vectors/upsert, POST /query, GET /vectors/fetch, POST /vectors/delete,
//                  POST /describe_index_stats, DELETE /namespaces/{namespace}
// Data-plane hosts are `127.0.0.1:PORT/idx/{name}` (no scheme, like a real index host), so one
// port serves every index. Search is brute force; scores follow Pinecone's definitions (cosine
// similarity, dot product, squared Euclidean distance). Options make it misbehave on purpose so
// mutant tests can prove that named cases fail.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { distance } from '@helios-conformance/fixtures';
import { matches, validateFilter, type MetaValue } from './filter.js';

/** Ways to break the fake on purpose (mutant endpoints). All off by default. */
export interface FakePineconeOptions {
  /** API key the server accepts (default: a random one, returned by {@link startFakePinecone}). */
  apiKey?: string;
  /** Drop one match (the nearest) from every non-empty query result. */
  dropOneResult?: boolean;
  /** Ignore query filters (return unfiltered nearest neighbours). */
  ignoreFilter?: boolean;
  /** Flip the lowest mantissa bit of one component of every vector as it is stored. */
  corruptValues?: boolean;
  /** Acknowledge deletes without deleting anything. */
  ignoreDeletes?: boolean;
  /** Store vectors of the wrong dimension or with NaN/Infinity (sent as JSON null) instead of answering 400. */
  acceptInvalid?: boolean;
  /** Keep the first write of an id: later upserts of the same id are acknowledged and ignored. */
  keepFirstWrite?: boolean;
  /** Writes become visible to query/fetch/stats only this many ms later (eventual consistency). */
  lagMs?: number;
  /** A new index reports `ready: false` for this many ms. */
  readyAfterMs?: number;
}

/** A running fake (see the file header: NOT Pinecone). */
export interface FakePinecone {
  /** Control-plane URL to pass as the SDK's `controllerHostUrl` (`http://127.0.0.1:PORT`). */
  host: string;
  /** The API key it accepts. */
  apiKey: string;
  /** Always true: reports must say "contract-tested, not verified against Pinecone". */
  readonly simulated: true;
  /** Requests served so far (method, path without query, API version header), for contract checks. */
  requests(): ReadonlyArray<{ method: string; path: string; apiVersion: string | undefined; status: number }>;
  /** Names of the indexes that currently exist. */
  indexNames(): string[];
  stop(): Promise<void>;
}

interface StoredRecord {
  values: Float32Array;
  metadata?: Record<string, MetaValue>;
  visibleAt: number;
}

interface FakeIndex {
  name: string;
  dimension: number;
  metric: 'cosine' | 'euclidean' | 'dotproduct';
  cloud: string;
  region: string;
  readyAt: number;
  /** namespace → id → versions (newest last); a deletion is a version without values. */
  namespaces: Map<string, Map<string, Array<StoredRecord | { deleted: true; visibleAt: number }>>>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const INDEX_NAME = /^[a-z0-9](?:[a-z0-9-]{0,43}[a-z0-9])?$/;
const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body larger than ${MAX_BODY} bytes`));
      else chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'INVALID_ARGUMENT', 'request body is not valid JSON'));
      }
    });
  });
}

function flipLowBit(v: Float32Array, at: number): void {
  const bits = new Uint32Array(v.buffer, v.byteOffset, v.length);
  bits[at] = bits[at]! ^ 1;
}

function hashId(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Pinecone's score (see the adapter for sources), from the kit's own distances: cosine similarity
 * (1 − cosine distance; 0 for a zero vector), dot product (− the `ip` distance), squared Euclidean.
 */
function score(metric: FakeIndex['metric'], a: Float32Array, b: Float32Array): number {
  if (metric === 'euclidean') return distance(a, b, 'l2') ** 2;
  if (metric === 'dotproduct') return -distance(a, b, 'ip');
  const d = distance(a, b, 'cosine');
  return Number.isNaN(d) ? 0 : 1 - d;
}

function parseValues(raw: unknown, dim: number, where: string, lenient: boolean): Float32Array {
  if (!Array.isArray(raw)) throw new HttpError(400, 'INVALID_ARGUMENT', `${where}: values must be an array of numbers`);
  if (raw.length !== dim && !lenient) {
    throw new HttpError(400, 'INVALID_ARGUMENT', `${where}: vector dimension ${raw.length} does not match the dimension of the index ${dim}`);
  }
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const x = raw[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      // JSON has no NaN or Infinity: JSON.stringify sends them as null, which lands here.
      if (lenient) {
        out[i] = Number.NaN;
        continue;
      }
      throw new HttpError(400, 'INVALID_ARGUMENT', `${where}: invalid value ${JSON.stringify(x)} at position ${i}: expected a finite 32-bit float (NaN and Infinity are not allowed)`);
    }
    out[i] = x;
    if (!Number.isFinite(out[i]!) && !lenient) {
      throw new HttpError(400, 'INVALID_ARGUMENT', `${where}: value ${x} at position ${i} is out of range for a 32-bit float`);
    }
  }
  return out;
}

function parseMetadata(raw: unknown, where: string): Record<string, MetaValue> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new HttpError(400, 'INVALID_ARGUMENT', `${where}: metadata must be an object`);
  for (const [k, v] of Object.entries(raw)) {
    const ok =
      typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
    if (!ok) throw new HttpError(400, 'INVALID_ARGUMENT', `${where}: metadata field ${JSON.stringify(k)} must be a string, number, boolean or list of strings`);
  }
  return raw as Record<string, MetaValue>;
}

/**
 * Starts the fake Pinecone server on a free loopback port. NOT Pinecone: results obtained
 * against it are "contract-tested, not verified against Pinecone".
 */
export async function startFakePinecone(options: FakePineconeOptions = {}): Promise<FakePinecone> {
  const apiKey = options.apiKey ?? `fake-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const indexes = new Map<string, FakeIndex>();
  const log: Array<{ method: string; path: string; apiVersion: string | undefined; status: number }> = [];
  let port = 0;
  const lag = options.lagMs ?? 0;

  const model = (ix: FakeIndex): Record<string, unknown> => {
    const ready = Date.now() >= ix.readyAt;
    return {
      name: ix.name,
      dimension: ix.dimension,
      metric: ix.metric,
      host: `127.0.0.1:${port}/idx/${ix.name}`,
      deletion_protection: 'disabled',
      tags: null,
      spec: { serverless: { cloud: ix.cloud, region: ix.region, read_capacity: { mode: 'OnDemand', status: { state: 'Ready' } } } },
      status: { ready, state: ready ? 'Ready' : 'Initializing' },
      vector_type: 'dense',
    };
  };

  /** The newest version of each id visible at `now`. */
  const visible = (ns: FakeIndex['namespaces'] extends Map<string, infer M> ? M | undefined : never, now: number): Map<string, StoredRecord> => {
    const out = new Map<string, StoredRecord>();
    if (!ns) return out;
    for (const [id, versions] of ns) {
      let v: (typeof versions)[number] | undefined;
      for (const cand of versions) if (cand.visibleAt <= now) v = cand;
      if (v && !('deleted' in v)) out.set(id, v);
    }
    return out;
  };

  const control = async (req: IncomingMessage, parts: string[]): Promise<[number, unknown]> => {
    const method = req.method ?? 'GET';
    if (parts.length === 1) {
      if (method === 'GET') return [200, { indexes: [...indexes.values()].map(model) }];
      if (method === 'POST') {
        const body = (await readBody(req)) as Record<string, unknown>;
        const name = body.name;
        if (typeof name !== 'string' || !INDEX_NAME.test(name)) {
          throw new HttpError(400, 'INVALID_ARGUMENT', 'Name must consist of lower case alphanumeric characters or "-", start and end with one, at most 45 characters');
        }
        if (indexes.has(name)) throw new HttpError(409, 'ALREADY_EXISTS', `Resource ${name} already exists`);
        const dimension = body.dimension;
        if (typeof dimension !== 'number' || !Number.isInteger(dimension) || dimension < 1 || dimension > 20000) {
          throw new HttpError(400, 'INVALID_ARGUMENT', 'dimension must be an integer between 1 and 20000');
        }
        const metric = body.metric ?? 'cosine';
        if (metric !== 'cosine' && metric !== 'euclidean' && metric !== 'dotproduct') throw new HttpError(400, 'INVALID_ARGUMENT', `unknown metric ${String(metric)}`);
        const serverless = (body.spec as { serverless?: { cloud?: string; region?: string } } | undefined)?.serverless;
        if (!serverless?.cloud || !serverless.region) throw new HttpError(400, 'INVALID_ARGUMENT', 'spec.serverless.cloud and region are required');
        if ((body.vector_type ?? 'dense') !== 'dense') throw new HttpError(400, 'INVALID_ARGUMENT', 'the fake serves dense indexes only');
        const ix: FakeIndex = { name, dimension, metric, cloud: serverless.cloud, region: serverless.region, readyAt: Date.now() + (options.readyAfterMs ?? 0), namespaces: new Map() };
        indexes.set(name, ix);
        return [201, model(ix)];
      }
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} /indexes`);
    }
    const ix = indexes.get(parts[1]!);
    if (!ix) throw new HttpError(404, 'NOT_FOUND', `Resource ${parts[1]} not found`);
    if (parts.length === 2 && method === 'GET') return [200, model(ix)];
    if (parts.length === 2 && method === 'DELETE') {
      indexes.delete(ix.name);
      return [202, undefined];
    }
    throw new HttpError(404, 'NOT_FOUND', `no route ${method} /${parts.join('/')}`);
  };

  const data = async (req: IncomingMessage, ix: FakeIndex, route: string, query: URLSearchParams): Promise<[number, unknown]> => {
    const method = req.method ?? 'GET';
    const now = Date.now();
    if (now < ix.readyAt) throw new HttpError(503, 'UNAVAILABLE', `index ${ix.name} is not ready`);
    const nsOf = (name: string, create: boolean): FakeIndex['namespaces'] extends Map<string, infer M> ? M | undefined : never => {
      let ns = ix.namespaces.get(name);
      if (!ns && create) ix.namespaces.set(name, (ns = new Map()));
      return ns;
    };
    if (route === 'vectors/upsert' && method === 'POST') {
      const body = (await readBody(req)) as { vectors?: unknown; namespace?: unknown };
      if (!Array.isArray(body.vectors) || body.vectors.length === 0) throw new HttpError(400, 'INVALID_ARGUMENT', 'vectors must be a non-empty array');
      if (body.vectors.length > 1000) throw new HttpError(400, 'INVALID_ARGUMENT', 'at most 1000 vectors per upsert request');
      // Validate the whole batch before storing any of it: a rejected request changes nothing.
      const parsed = body.vectors.map((v: { id?: unknown; values?: unknown; metadata?: unknown }, i: number) => {
        const where = `vectors[${i}]`;
        if (typeof v?.id !== 'string' || v.id.length === 0 || v.id.length > 512) throw new HttpError(400, 'INVALID_ARGUMENT', `${where}: id must be a string of 1 to 512 characters`);
        const values = parseValues(v.values, ix.dimension, `${where} (id ${v.id})`, options.acceptInvalid === true);
        if (ix.metric === 'cosine' && values.every((x) => x === 0) && !options.acceptInvalid) {
          throw new HttpError(400, 'INVALID_ARGUMENT', `${where}: dense vectors must contain at least one non-zero value (cosine similarity is undefined for a zero vector)`);
        }
        return { id: v.id, values, metadata: parseMetadata(v.metadata, where) };
      });
      const ns = nsOf(typeof body.namespace === 'string' ? body.namespace : '', true)!;
      for (const r of parsed) {
        const versions = ns.get(r.id) ?? [];
        if (options.keepFirstWrite && versions.some((v) => !('deleted' in v))) continue;
        if (options.corruptValues && r.values.length > 0) flipLowBit(r.values, hashId(r.id) % r.values.length);
        versions.push({ values: r.values, metadata: r.metadata, visibleAt: now + lag });
        ns.set(r.id, versions);
      }
      return [200, { upsertedCount: parsed.length }];
    }
    if (route === 'query' && method === 'POST') {
      const body = (await readBody(req)) as Record<string, unknown>;
      const topK = body.topK;
      if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > 10000) throw new HttpError(400, 'INVALID_ARGUMENT', 'topK must be an integer between 1 and 10000');
      if ((body.includeValues || body.includeMetadata) && topK > 1000) {
        throw new HttpError(400, 'INVALID_ARGUMENT', 'topK must be at most 1000 when includeValues or includeMetadata is true');
      }
      const ns = visible(nsOf(typeof body.namespace === 'string' ? body.namespace : '', false), now);
      let q: Float32Array;
      if (typeof body.id === 'string') {
        const rec = ns.get(body.id);
        if (!rec) return [200, { matches: [], namespace: body.namespace ?? '', usage: { readUnits: 1 } }];
        q = rec.values;
      } else {
        q = parseValues(body.vector, ix.dimension, 'vector', false);
      }
      const filter = body.filter;
      if (filter !== undefined && filter !== null) {
        try {
          validateFilter(filter);
        } catch (e) {
          throw new HttpError(400, 'INVALID_ARGUMENT', `invalid filter: ${(e as Error).message}`);
        }
      }
      const higherIsCloser = ix.metric !== 'euclidean';
      let scored = [...ns]
        .filter(([, r]) => options.ignoreFilter || filter === undefined || filter === null || matches(r.metadata ?? {}, filter as Record<string, unknown>))
        .map(([id, r]) => ({ id, r, score: Math.fround(score(ix.metric, q, r.values)) }))
        .sort((a, b) => (higherIsCloser ? b.score - a.score : a.score - b.score) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, topK);
      if (options.dropOneResult && scored.length > 0) scored = scored.slice(1);
      return [
        200,
        {
          matches: scored.map(({ id, r, score: s }) => ({
            id,
            score: s,
            values: body.includeValues ? Array.from(r.values) : [],
            ...(body.includeMetadata && r.metadata ? { metadata: r.metadata } : {}),
          })),
          namespace: body.namespace ?? '',
          usage: { readUnits: 1 + Math.floor(ns.size / 1000) },
        },
      ];
    }
    if (route === 'vectors/fetch' && method === 'GET') {
      const ids = query.getAll('ids');
      if (ids.length === 0) throw new HttpError(400, 'INVALID_ARGUMENT', 'ids is required');
      if (ids.length > 1000) throw new HttpError(400, 'INVALID_ARGUMENT', 'at most 1000 ids per fetch');
      const nsName = query.get('namespace') ?? '';
      const ns = visible(nsOf(nsName, false), now);
      const vectors: Record<string, unknown> = {};
      for (const id of ids) {
        const r = ns.get(id);
        if (r) vectors[id] = { id, values: Array.from(r.values), ...(r.metadata ? { metadata: r.metadata } : {}) };
      }
      return [200, { vectors, namespace: nsName, usage: { readUnits: 1 } }];
    }
    if (route === 'vectors/delete' && method === 'POST') {
      const body = (await readBody(req)) as { ids?: unknown; deleteAll?: unknown; namespace?: unknown; filter?: unknown };
      const nsName = typeof body.namespace === 'string' ? body.namespace : '';
      const ns = nsOf(nsName, false);
      if (options.ignoreDeletes) return [200, {}];
      if (body.deleteAll === true) {
        if (ns) for (const versions of ns.values()) versions.push({ deleted: true, visibleAt: now + lag });
        return [200, {}];
      }
      if (body.filter !== undefined) throw new HttpError(400, 'INVALID_ARGUMENT', 'delete by filter is not supported by the fake');
      if (!Array.isArray(body.ids) || body.ids.some((id) => typeof id !== 'string')) throw new HttpError(400, 'INVALID_ARGUMENT', 'ids must be an array of strings');
      if (body.ids.length > 1000) throw new HttpError(400, 'INVALID_ARGUMENT', 'at most 1000 ids per delete');
      if (ns) for (const id of body.ids as string[]) ns.get(id)?.push({ deleted: true, visibleAt: now + lag });
      return [200, {}];
    }
    if (route === 'describe_index_stats' && method === 'POST') {
      const body = (await readBody(req)) as { filter?: unknown };
      if (body.filter !== undefined && body.filter !== null) {
        try {
          validateFilter(body.filter);
        } catch (e) {
          throw new HttpError(400, 'INVALID_ARGUMENT', `invalid filter: ${(e as Error).message}`);
        }
      }
      const namespaces: Record<string, { vectorCount: number }> = {};
      let total = 0;
      for (const [name, ns] of ix.namespaces) {
        let n = 0;
        for (const r of visible(ns, now).values()) if (!body.filter || matches(r.metadata ?? {}, body.filter as Record<string, unknown>)) n++;
        if (n > 0) namespaces[name] = { vectorCount: n };
        total += n;
      }
      return [200, { namespaces, dimension: ix.dimension, indexFullness: 0, totalVectorCount: total, metric: ix.metric, vectorType: 'dense' }];
    }
    const nsRoute = /^namespaces\/(.+)$/.exec(route);
    if (nsRoute && method === 'DELETE') {
      const ns = nsOf(decodeURIComponent(nsRoute[1]!), false);
      if (!ns) throw new HttpError(404, 'NOT_FOUND', `namespace ${nsRoute[1]} not found`);
      if (!options.ignoreDeletes) ix.namespaces.delete(decodeURIComponent(nsRoute[1]!));
      return [202, {}];
    }
    throw new HttpError(404, 'NOT_FOUND', `no route ${method} /${route}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const apiVersion = req.headers['x-pinecone-api-version'];
    const entry = { method: req.method ?? 'GET', path: url.pathname, apiVersion: typeof apiVersion === 'string' ? apiVersion : undefined, status: 0 };
    log.push(entry);
    let status = 500;
    let payload: unknown;
    try {
      if (req.headers['api-key'] !== apiKey) throw new HttpError(401, 'UNAUTHENTICATED', 'Invalid API Key');
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] === 'indexes') [status, payload] = await control(req, parts);
      else if (parts[0] === 'idx' && parts.length >= 3) {
        const ix = indexes.get(parts[1]!);
        if (!ix) throw new HttpError(404, 'NOT_FOUND', `index ${parts[1]} not found`);
        [status, payload] = await data(req, ix, parts.slice(2).join('/'), url.searchParams);
      } else throw new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${url.pathname}`);
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, 'INTERNAL', e instanceof Error ? e.message : String(e));
      status = err.status;
      payload = { error: { code: err.code, message: err.message }, status: err.status };
    }
    entry.status = status;
    // Drain whatever the handler did not read so keep-alive connections stay usable.
    req.resume();
    if (payload === undefined) {
      res.writeHead(status).end();
    } else {
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    host: `http://127.0.0.1:${port}`,
    apiKey,
    simulated: true,
    requests: () => log.slice(),
    indexNames: () => [...indexes.keys()],
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
