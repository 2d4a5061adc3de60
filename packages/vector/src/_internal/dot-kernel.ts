// The ground truth's inner loop as a WebAssembly SIMD function, assembled here byte by byte so the
// package needs no toolchain and ships no binary blob.
//
// Why WebAssembly: the same loop in plain JavaScript reached about 12–16 s for the benchmark
// (100k × 384 base, 1,000 queries) on two cores; V8 spills the eight scalar accumulators and
// their offsets. With f64x2 lanes and 16 queries per pass over the base it takes about a fifth
// of that.
//
// Why the results stay bit-identical to fixtures' `distance()`: each f64x2 lane belongs to one
// query and sums `x[d] * q[d]` over d = 0, 1, … in order, with a separate multiply and add
// (WebAssembly has no implicit fused multiply-add), in double precision after widening the
// float32 base element exactly — the same operations, in the same order, as the JavaScript sum.
//
// Contract of `dots(xPtr, n, dim, qPtr, outPtr)` on the imported shared memory `env.mem`:
// - xPtr: n base vectors, float32, back to back (n × dim).
// - qPtr: 16 queries interleaved, float64: element d of query b at index d × 16 + b.
// - outPtr: n × 16 float64 dot products: base j with query b at index j × 16 + b.
// n and dim must be at least 1.

/** Queries handled per pass over the base (two per f64x2 accumulator). */
export const DOT_QUERIES_PER_PASS = 16;

const ACCUMULATORS = DOT_QUERIES_PER_PASS / 2;

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (text: string): number[] => vec([...Buffer.from(text, 'utf8')].map((b) => [b]));

// Opcodes used (WebAssembly core 2.0 + fixed-width SIMD).
const I32 = 0x7f;
const V128 = 0x7b;
const get = (i: number): number[] => [0x20, ...uleb(i)];
const set = (i: number): number[] => [0x21, ...uleb(i)];
const tee = (i: number): number[] => [0x22, ...uleb(i)];
const i32const = (v: number): number[] => [0x41, ...sleb(v)];
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const V128_LOAD = 0x00;
const V128_STORE = 0x0b;
const V128_CONST = 0x0c;
const F64X2_SPLAT = 0x14;
const F64X2_ADD = 0xf0;
const F64X2_MUL = 0xf2;
const F32_LOAD = 0x2a;
const F64_PROMOTE_F32 = 0xbb;
const LOOP = [0x03, 0x40];
const END = 0x0b;
const BR_IF = 0x0d;

/** @internal The module's bytes (≈ 300). */
export function dotKernelBytes(): Uint8Array {
  // Params 0..4: xPtr, n, dim, qPtr, outPtr. Locals: 5 j (rows left), 6 d (dims left),
  // 7 xp, 8 qp, 9 op, 10 x (splatted base element), 11.. accumulators.
  const [J, D, XP, QP, OP, X, A] = [5, 6, 7, 8, 9, 10, 11];
  const stride = 16 * ACCUMULATORS;
  const b: number[] = [];
  b.push(...get(0), ...set(XP), ...get(4), ...set(OP), ...get(1), ...set(J));
  b.push(...LOOP);
  for (let i = 0; i < ACCUMULATORS; i++) b.push(...simd(V128_CONST), ...new Array<number>(16).fill(0), ...set(A + i));
  b.push(...get(3), ...set(QP), ...get(2), ...set(D));
  b.push(...LOOP);
  b.push(...get(XP), F32_LOAD, 2, 0, F64_PROMOTE_F32, ...simd(F64X2_SPLAT), ...set(X));
  for (let i = 0; i < ACCUMULATORS; i++) {
    // acc_i = acc_i + x * q[16d + 2i .. 2i+1]
    b.push(...get(A + i), ...get(X), ...get(QP), ...simd(V128_LOAD), 3, ...uleb(16 * i), ...simd(F64X2_MUL), ...simd(F64X2_ADD), ...set(A + i));
  }
  b.push(...get(XP), ...i32const(4), I32_ADD, ...set(XP));
  b.push(...get(QP), ...i32const(stride), I32_ADD, ...set(QP));
  b.push(...get(D), ...i32const(1), I32_SUB, ...tee(D), BR_IF, 0);
  b.push(END);
  for (let i = 0; i < ACCUMULATORS; i++) b.push(...get(OP), ...get(A + i), ...simd(V128_STORE), 3, ...uleb(16 * i));
  b.push(...get(OP), ...i32const(stride), I32_ADD, ...set(OP));
  b.push(...get(J), ...i32const(1), I32_SUB, ...tee(J), BR_IF, 0);
  b.push(END, END);
  const body = [...vec([[...uleb(5), I32], [...uleb(1 + ACCUMULATORS), V128]]), ...b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])]])),
    // import env.mem: shared memory (limits flag 3 = shared, with maximum), any size.
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x03, ...uleb(1), ...uleb(65536)]])),
    ...section(3, vec([uleb(0)])),
    ...section(7, vec([[...name('dots'), 0x00, ...uleb(0)]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

// The project compiles against lib ES2023 with Node's types, which declare the WebAssembly
// namespace's types but not its global value; these are the three members this file needs.
interface WasmModule {
  readonly __wasmModule?: never;
}
/** @internal A shared WebAssembly.Memory (its buffer is a SharedArrayBuffer). */
export interface WasmSharedMemory {
  readonly buffer: SharedArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (d: { initial: number; maximum: number; shared: true }) => WasmSharedMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | undefined;

/** @internal The compiled module (compiled once per process; workers receive it by structured clone). */
export function dotKernel(): WasmModule {
  compiled ??= new wasm.Module(dotKernelBytes());
  return compiled;
}

/** @internal A shared memory of `pages` × 64 KiB for the kernel. */
export function sharedMemory(pages: number): WasmSharedMemory {
  return new wasm.Memory({ initial: pages, maximum: pages, shared: true });
}
