import type { VectorStore } from './adapter.js';

/** Dataset sizes: `ci` fits the CI budget, `full` is the seed's size (`--size full`: 100k × 384). */
export type VectorSize = 'ci' | 'full';

/**
 * What the vector cases receive as `ctx.target`. Cases record their figures into
 * {@link VectorTarget.sections} (`recall`, `filtered`, `sweep`, `latency`, `storage`,
 * `pinecone`); the report carries them and the HTML reporter draws them.
 */
export interface VectorTarget {
  readonly store: VectorStore;
  readonly size: VectorSize;
  /** Run id: collection names are `hc_<runId>_<purpose>`, so concurrent runs never collide. */
  readonly runId: string;
  /**
   * True when the endpoint is a local stand-in (the fake Pinecone server): every figure from
   * it is labelled "contract-tested, not verified against Pinecone".
   */
  readonly simulated: boolean;
  readonly sections: Record<string, unknown>;
}
