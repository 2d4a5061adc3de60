/**
 * Dependency-graph machinery on typed arrays: an append-only edge list, a CSR adjacency built from
 * it, iterative Tarjan SCC and BFS cycle search. No per-edge objects: a million-transaction history
 * has a few million edges.
 */

/** Edge kinds as bits, so searches can take a mask. */
export const WW = 1;
/** Write-read (information flow) edge bit. */
export const WR = 2;
/** Read-write (anti-dependency) edge bit. */
export const RW = 4;
/** All edge kinds. */
export const ALL = WW | WR | RW;

/** Growable edge list; `a`/`b` are the micro-operations (flat mop ids) that justify the edge. */
export class EdgeList {
  /** Source transaction per edge. */
  from: Int32Array;
  /** Target transaction per edge. */
  to: Int32Array;
  /** WW, WR or RW. */
  kind: Uint8Array;
  /** The micro-operation of `from` that the edge rests on. */
  a: Int32Array;
  /** The micro-operation of `to` that the edge rests on. */
  b: Int32Array;
  /** Edges stored. */
  length = 0;

  constructor(capacity = 1024) {
    this.from = new Int32Array(capacity);
    this.to = new Int32Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
  }

  /** Appends one edge, doubling the arrays when full. */
  push(from: number, to: number, kind: number, a: number, b: number): void {
    if (this.length === this.from.length) this.grow();
    const i = this.length++;
    this.from[i] = from;
    this.to[i] = to;
    this.kind[i] = kind;
    this.a[i] = a;
    this.b[i] = b;
  }

  private grow(): void {
    const cap = this.from.length * 2;
    const g32 = (x: Int32Array): Int32Array => {
      const y = new Int32Array(cap);
      y.set(x);
      return y;
    };
    this.from = g32(this.from);
    this.to = g32(this.to);
    this.a = g32(this.a);
    this.b = g32(this.b);
    const k = new Uint8Array(cap);
    k.set(this.kind);
    this.kind = k;
  }
}

/** Compressed adjacency: the out-edges of node `u` are `edge[off[u]] … edge[off[u+1]-1]`. */
export interface Csr {
  /** Node count. */
  n: number;
  /** Offsets, length n+1. */
  off: Int32Array;
  /** Target node per adjacency slot. */
  to: Int32Array;
  /** Edge kind bit per adjacency slot. */
  kind: Uint8Array;
  /** Id of the originating edge (in the EdgeList or parent graph) per adjacency slot. */
  edge: Int32Array;
}

/** Builds a CSR over `n` nodes from parallel arrays of `m` edges. */
export function buildCsr(n: number, m: number, from: Int32Array, to: Int32Array, kind: Uint8Array, ids: Int32Array | null): Csr {
  const off = new Int32Array(n + 1);
  for (let i = 0; i < m; i++) off[(from[i] as number) + 1]!++;
  for (let u = 0; u < n; u++) off[u + 1]! += off[u] as number;
  const fill = off.slice(0, n);
  const cto = new Int32Array(m);
  const ckind = new Uint8Array(m);
  const cedge = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const p = fill[from[i] as number]!++;
    cto[p] = to[i] as number;
    ckind[p] = kind[i] as number;
    cedge[p] = ids === null ? i : (ids[i] as number);
  }
  return { n, off, to: cto, kind: ckind, edge: cedge };
}

/** Result of {@link tarjan}: component id per node and the members of every component with 2+ nodes. */
export interface SccResult {
  /** Component id per node. */
  comp: Int32Array;
  /** Components with at least two nodes (self-loops are never added, so these are the cyclic ones). */
  cyclic: Int32Array[];
}

/** Iterative Tarjan over the edges whose kind is in `mask`. */
export function tarjan(g: Csr, mask: number): SccResult {
  const n = g.n;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  let sp = 0;
  let next = 0;
  let compCount = 0;
  const cyclic: Int32Array[] = [];
  const { off, to, kind } = g;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let cp = 0;
    callNode[0] = root;
    callEdge[0] = off[root] as number;
    index[root] = low[root] = next++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (cp >= 0) {
      const u = callNode[cp] as number;
      let e = callEdge[cp] as number;
      const end = off[u + 1] as number;
      let descended = false;
      while (e < end) {
        if (((kind[e] as number) & mask) === 0) {
          e++;
          continue;
        }
        const v = to[e] as number;
        e++;
        if (index[v] === -1) {
          callEdge[cp] = e;
          cp++;
          callNode[cp] = v;
          callEdge[cp] = off[v] as number;
          index[v] = low[v] = next++;
          stack[sp++] = v;
          onStack[v] = 1;
          descended = true;
          break;
        } else if (onStack[v] === 1 && (index[v] as number) < (low[u] as number)) {
          low[u] = index[v] as number;
        }
      }
      if (descended) continue;
      if (low[u] === index[u]) {
        const id = compCount++;
        let size = 0;
        let w: number;
        do {
          w = stack[--sp] as number;
          onStack[w] = 0;
          comp[w] = id;
          size++;
        } while (w !== u);
        if (size > 1) cyclic.push(stack.slice(sp, sp + size));
      }
      cp--;
      if (cp >= 0) {
        const p = callNode[cp] as number;
        if ((low[u] as number) < (low[p] as number)) low[p] = low[u] as number;
      }
    }
  }
  return { comp, cyclic };
}

/** The induced subgraph on `nodes` (global ids), with local ids 0…k-1 and edges pointing at global edge ids. */
export interface Subgraph {
  /** The subgraph, on local ids. */
  g: Csr;
  /** Local id → global node id. */
  nodes: Int32Array;
}

/** Extracts the subgraph induced by `nodes`; `local` is scratch of the global node count, filled with -1. */
export function induce(g: Csr, nodes: Int32Array, local: Int32Array): Subgraph {
  const k = nodes.length;
  for (let i = 0; i < k; i++) local[nodes[i] as number] = i;
  let m = 0;
  for (let i = 0; i < k; i++) {
    const u = nodes[i] as number;
    for (let e = g.off[u] as number; e < (g.off[u + 1] as number); e++) if (local[g.to[e] as number] !== -1) m++;
  }
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  const kind = new Uint8Array(m);
  const ids = new Int32Array(m);
  let j = 0;
  for (let i = 0; i < k; i++) {
    const u = nodes[i] as number;
    for (let e = g.off[u] as number; e < (g.off[u + 1] as number); e++) {
      const lv = local[g.to[e] as number] as number;
      if (lv === -1) continue;
      from[j] = i;
      to[j] = lv;
      kind[j] = g.kind[e] as number;
      ids[j] = g.edge[e] as number;
      j++;
    }
  }
  for (let i = 0; i < k; i++) local[nodes[i] as number] = -1;
  return { g: buildCsr(k, m, from, to, kind, ids), nodes };
}

/** Reusable BFS scratch, stamped so it never needs clearing; `work` counts nodes dequeued. */
export class BfsScratch {
  /** Adjacency slot a node was reached through. */
  viaSlot = new Int32Array(0);
  /** Stamp of the search that last reached a node. */
  seen = new Int32Array(0);
  /** BFS queue. */
  queue = new Int32Array(0);
  /** Current search's stamp. */
  stamp = 0;
  /** Nodes dequeued over all searches (a work budget). */
  work = 0;

  /** Grows the arrays to hold `n` nodes. */
  fit(n: number): void {
    if (this.seen.length >= n) return;
    this.viaSlot = new Int32Array(n);
    this.seen = new Int32Array(n);
    this.queue = new Int32Array(n);
    this.stamp = 0;
  }
}

/**
 * Shortest path from `src` to `dst` over edges in `mask` (BFS), as adjacency slots in order, or
 * null (also when more than `limit` nodes were dequeued). With src === dst it finds the shortest
 * cycle through `src`.
 */
export function shortestPath(g: Csr, src: number, dst: number, mask: number, scratch: BfsScratch, limit = Infinity): number[] | null {
  scratch.fit(g.n);
  const stamp = ++scratch.stamp;
  const { viaSlot, seen, queue } = scratch;
  let head = 0;
  let tail = 0;
  queue[tail++] = src;
  seen[src] = stamp;
  let visited = 0;
  try {
    while (head < tail) {
      const u = queue[head++] as number;
      if (++visited > limit) return null;
      for (let e = g.off[u] as number; e < (g.off[u + 1] as number); e++) {
        if (((g.kind[e] as number) & mask) === 0) continue;
        const v = g.to[e] as number;
        if (v === dst) {
          const path = [e];
          let w = u;
          while (w !== src) {
            const s = viaSlot[w] as number;
            path.push(s);
            w = sourceOf(g, s);
          }
          return path.reverse();
        }
        if (seen[v] === stamp) continue;
        seen[v] = stamp;
        viaSlot[v] = e;
        queue[tail++] = v;
      }
    }
    return null;
  } finally {
    scratch.work += visited;
  }
}

/** The source node of an adjacency slot (binary search over offsets). */
export function sourceOf(g: Csr, slot: number): number {
  let lo = 0;
  let hi = g.n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((g.off[mid] as number) <= slot) lo = mid;
    else hi = mid - 1;
  }
  // Nodes without out-edges share an offset with the next node; walk to the one that owns the slot.
  while ((g.off[lo + 1] as number) <= slot) lo++;
  return lo;
}
