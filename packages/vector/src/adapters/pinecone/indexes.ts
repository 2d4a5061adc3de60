import type { CollectionSpec, VectorMetric } from '../../adapter.js';
import type { PineconeIndexInfo } from '../pinecone.js';
import { sleep } from '@helios-conformance/sql';
import type { PineconeSettings } from './settings.js';
import { isRequestError, type Transport } from './transport.js';

export const PINECONE_METRIC: Record<VectorMetric, 'cosine' | 'euclidean' | 'dotproduct'> = { cosine: 'cosine', l2: 'euclidean', ip: 'dotproduct' };
const SHORT_METRIC: Record<VectorMetric, string> = { cosine: 'cos', l2: 'l2', ip: 'ip' };

/** An index as the control plane's model describes it, in the store's terms. */
export function indexInfo(m: { name: string; dimension?: number; metric: string; host: string; status?: { ready: boolean; state: string } }): PineconeIndexInfo {
  return {
    name: m.name,
    dimension: m.dimension,
    metric: m.metric,
    ready: m.status?.ready === true,
    state: m.status?.state ?? 'unknown',
    host: m.host,
  };
}

/** The control plane as the store uses it: indexes described, created on demand, awaited until ready. */
export interface Indexes {
  describeIndex(name: string, signal?: AbortSignal): Promise<PineconeIndexInfo>;
  /**
   * The ready index a collection of `spec` lives in: the configured existing index, or the run's
   * own `hc-<runId>-<metric>-<dim>` (created when `create`); its dimension and metric must fit.
   */
  indexFor(spec: CollectionSpec, create: boolean, signal?: AbortSignal): Promise<PineconeIndexInfo>;
  /** Indexes this run created (deleted at close). */
  readonly created: Set<string>;
}

/** The control plane of one store. */
export function createIndexes(s: PineconeSettings, t: Transport): Indexes {
  const created = new Set<string>();
  const pending = new Map<string, Promise<PineconeIndexInfo>>();

  const describeIndex = async (name: string, signal?: AbortSignal): Promise<PineconeIndexInfo> => indexInfo(await t.call(signal, `describe index ${name}`, (c) => c.describeIndex(name)));

  const waitReady = async (name: string, signal?: AbortSignal): Promise<PineconeIndexInfo> => {
    const deadline = Date.now() + s.readyTimeoutMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
      const d = await describeIndex(name, signal);
      if (d.ready) return d;
      if (Date.now() + delay > deadline) throw new Error(`Pinecone index ${name} was not ready within ${s.readyTimeoutMs} ms (state ${d.state})`);
      await sleep(delay, signal);
    }
  };

  const create = async (name: string, spec: CollectionSpec, signal?: AbortSignal): Promise<void> => {
    try {
      await t.call(signal, `create index ${name}`, (c) =>
        c.createIndex({
          name,
          dimension: spec.dimension,
          metric: PINECONE_METRIC[spec.metric],
          spec: { serverless: { cloud: s.cloud, region: s.region } },
          deletionProtection: 'disabled',
          waitUntilReady: false,
        }),
      );
      created.add(name);
    } catch (e) {
      // A conflict means it exists already (a retried create); anything else is fatal.
      if (!isRequestError(e, 'PineconeConflictError')) throw e;
      created.add(name);
    }
  };

  const indexFor = (spec: CollectionSpec, mayCreate: boolean, signal?: AbortSignal): Promise<PineconeIndexInfo> => {
    const name = s.index ?? `hc-${s.runId}-${SHORT_METRIC[spec.metric]}-${spec.dimension}`;
    const key = s.index ? name : `${spec.metric}/${spec.dimension}`;
    let p = pending.get(key);
    if (!p) {
      p = (async () => {
        if (!s.index && mayCreate) await create(name, spec, signal);
        return waitReady(name, signal);
      })();
      pending.set(key, p);
      p.catch(() => pending.delete(key));
    }
    return p.then((d) => {
      if (d.dimension !== spec.dimension || d.metric !== PINECONE_METRIC[spec.metric]) {
        throw new Error(`Pinecone index ${d.name} has dimension ${d.dimension} and metric ${d.metric}; collection ${spec.name} needs ${spec.dimension} and ${PINECONE_METRIC[spec.metric]}`);
      }
      return d;
    });
  };

  return { describeIndex, indexFor, created };
}
