import type { Index, RecordMetadata } from '@pinecone-database/pinecone';
import type { CollectionSpec, VectorRecord } from '../../adapter.js';
import type { Indexes } from './indexes.js';
import { sleep } from '@helios-conformance/sql';
import type { PineconeSettings } from './settings.js';
import type { Transport } from './transport.js';

/** A collection's place in Pinecone: a namespace of an index, and what the run holds there. */
export interface Namespaced {
  index: Index<RecordMetadata>;
  indexName: string;
  namespace: string;
  /** Ids this run wrote to the namespace and has not deleted: what a settled count must equal. */
  ids: Set<string>;
}

/** The data plane as the store uses it: one namespace per collection, and waiting for writes to show. */
export interface Namespaces {
  /** The namespace `hc_<runId>_<name>` of a collection (its index created when `create`). Throws once the store is closed. */
  open(spec: CollectionSpec, create: boolean, signal?: AbortSignal): Promise<Namespaced>;
  /** Records the namespace holds, as `describe_index_stats` reports them. */
  count(ns: Namespaced, signal?: AbortSignal): Promise<number>;
  /**
   * Waits (bounded by `consistencyTimeoutMs`, never throwing on timeout) until the namespace shows
   * what the run wrote: its count equals the ids the run holds there and, for overwrites, `fetch`
   * returns the new metadata.
   */
  settle(ns: Namespaced, signal: AbortSignal | undefined, overwritten?: readonly VectorRecord[]): Promise<void>;
  /** Every namespace opened so far. */
  all(): Namespaced[];
  /** Refuses further `open` calls. */
  close(): void;
  readonly closed: boolean;
  /** Forgets every namespace (after the store's cleanup). */
  clear(): void;
}

function sameMetadata(a: unknown, b: unknown): boolean {
  const norm = (m: unknown): string =>
    m && typeof m === 'object' ? JSON.stringify(Object.fromEntries(Object.entries(m).sort(([x], [y]) => (x < y ? -1 : 1)))) : JSON.stringify(m ?? null);
  return norm(a) === norm(b);
}

/** The data plane of one store. */
export function createNamespaces(s: PineconeSettings, t: Transport, indexes: Indexes): Namespaces {
  const opened = new Map<string, Namespaced>();
  let closed = false;

  const count = async (ns: Namespaced, signal?: AbortSignal): Promise<number> => {
    const stats = await t.call(signal, 'describe index stats', () => ns.index.describeIndexStats());
    return stats.namespaces?.[ns.namespace]?.recordCount ?? 0;
  };

  return {
    async open(spec, create, signal) {
      if (closed) throw new Error('the Pinecone store is closed');
      if (!/^[a-z0-9_]+$/.test(spec.name)) throw new TypeError(`collection name must be [a-z0-9_], got ${JSON.stringify(spec.name)}`);
      const d = await indexes.indexFor(spec, create, signal);
      const nsName = `hc_${s.runId}_${spec.name}`;
      let ns = opened.get(`${d.name}/${nsName}`);
      if (!ns) {
        const host = /^https?:\/\//.test(d.host) ? d.host : s.dataScheme + d.host;
        const client = await t.client();
        ns = { index: client.index({ name: d.name, host, namespace: nsName }), indexName: d.name, namespace: nsName, ids: new Set() };
        opened.set(`${d.name}/${nsName}`, ns);
      }
      return ns;
    },
    count,
    async settle(ns, signal, overwritten = []) {
      const deadline = Date.now() + s.consistencyTimeoutMs;
      for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
        let ok = (await count(ns, signal)) === ns.ids.size;
        if (ok && overwritten.length) {
          const probe = overwritten.slice(0, 100);
          const got = await t.call(signal, 'fetch', () => ns.index.fetch({ ids: probe.map((r) => r.id) }));
          ok = probe.every((r) => got.records[r.id] !== undefined && sameMetadata(got.records[r.id]!.metadata, r.metadata));
        }
        if (ok || Date.now() + delay > deadline) return;
        await sleep(delay, signal);
      }
    },
    all: () => [...opened.values()],
    close() {
      closed = true;
    },
    clear: () => opened.clear(),
    get closed() {
      return closed;
    },
  };
}
