/**
 * Philox4x32-10 as a tiny WebAssembly kernel. JavaScript lacks a 32×32→64-bit multiply, so
 * the pure-JS Philox emulates each `mulhi` with four `Math.imul`s; WebAssembly's `i64.mul`
 * does it in one instruction, about 5× faster. The module (≈200 bytes) is assembled here at
 * load time from the instruction list below, so there is no binary artefact to trust.
 *
 * Export: `blocks(k0, k1, stream, firstBlock, count, outPtr)` writes Philox blocks
 * `firstBlock .. firstBlock + count − 1` (counter `(b, stream, 0, 0)`) as 4 little-endian u32
 * words each, starting at byte `outPtr` of the module's memory.
 */

const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9 | 0;
const PHILOX_W1 = 0xbb67ae85 | 0;

/** Blocks per kernel call: 4096 blocks × 16 bytes = one 64 KiB wasm page. */
export const WASM_CHUNK_BLOCKS = 4096;

function leb128Unsigned(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

function leb128Signed(value: bigint): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = Number(value & 0x7fn);
    value >>= 7n;
    const done = (value === 0n && (byte & 0x40) === 0) || (value === -1n && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

function section(id: number, payload: number[]): number[] {
  return [id, ...leb128Unsigned(payload.length), ...payload];
}

function name(text: string): number[] {
  return [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
}

// Opcodes.
const I32 = 0x7f;
const I64 = 0x7e;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32c = (v: number) => [0x41, ...leb128Signed(BigInt(v))];
const i64c = (v: number) => [0x42, ...leb128Signed(BigInt(v))];
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_XOR = 0x73;
const I32_GE_U = 0x4f;
const I64_MUL = 0x7e;
const I64_SHR_U = 0x88;
const I32_WRAP_I64 = 0xa7;
const I64_EXTEND_I32_U = 0xad;
const store = (offset: number) => [0x36, 2, offset];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const br = (depth: number) => [0x0c, depth];
const brIf = (depth: number) => [0x0d, depth];

// Parameters 0..5: k0, k1, stream, firstBlock, count, outPtr.
// i32 locals 6..15: b, end, c0, c1, c2, c3, k0', k1', rounds, ptr; i64 locals 16, 17: p0, p1.
const [B, END_B, C0, C1, C2, C3, K0, K1, R, PTR, P0, P1] = [
  6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
];

function kernelBody(): number[] {
  // biome-ignore format: one line per WebAssembly statement
  const round = [
    ...get(C0), I64_EXTEND_I32_U, ...i64c(PHILOX_M0), I64_MUL, ...set(P0), // p0 = c0 · M0
    ...get(C2), I64_EXTEND_I32_U, ...i64c(PHILOX_M1), I64_MUL, ...set(P1), // p1 = c2 · M1
    ...get(P1), ...i64c(32), I64_SHR_U, I32_WRAP_I64, ...get(C1), I32_XOR, ...get(K0), I32_XOR, ...set(C0),
    ...get(P1), I32_WRAP_I64, ...set(C1),
    ...get(P0), ...i64c(32), I64_SHR_U, I32_WRAP_I64, ...get(C3), I32_XOR, ...get(K1), I32_XOR, ...set(C2),
    ...get(P0), I32_WRAP_I64, ...set(C3),
    ...get(K0), ...i32c(PHILOX_W0), I32_ADD, ...set(K0), // key bump for the next round
    ...get(K1), ...i32c(PHILOX_W1), I32_ADD, ...set(K1),
  ];
  // biome-ignore format: one line per WebAssembly statement
  const code = [
    ...get(3), ...set(B),
    ...get(3), ...get(4), I32_ADD, ...set(END_B),
    ...get(5), ...set(PTR),
    ...BLOCK,
    ...LOOP,
    ...get(B), ...get(END_B), I32_GE_U, ...brIf(1), // while (b < end)
    ...get(B), ...set(C0), ...get(2), ...set(C1), ...i32c(0), ...set(C2), ...i32c(0), ...set(C3),
    ...get(0), ...set(K0), ...get(1), ...set(K1), ...i32c(10), ...set(R),
    ...LOOP, ...round, ...get(R), ...i32c(1), I32_SUB, ...tee(R), ...brIf(0), END, // 10 rounds
    ...get(PTR), ...get(C0), ...store(0),
    ...get(PTR), ...get(C1), ...store(4),
    ...get(PTR), ...get(C2), ...store(8),
    ...get(PTR), ...get(C3), ...store(12),
    ...get(PTR), ...i32c(16), I32_ADD, ...set(PTR),
    ...get(B), ...i32c(1), I32_ADD, ...set(B),
    ...br(0),
    END,
    END,
    END,
  ];
  const locals = [2, 10, I32, 2, I64];
  return [...leb128Unsigned(locals.length + code.length), ...locals, ...code];
}

/** The assembled module bytes. */
export function philoxWasmModuleBytes(): Uint8Array {
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('blocks'), 0x00, 0, ...name('memory'), 0x02, 0]),
    ...section(10, [1, ...kernelBody()]),
  ];
  return Uint8Array.from(bytes);
}

/** Fills `count` (≤ WASM_CHUNK_BLOCKS) Philox blocks and returns a view of their words. */
export type PhiloxBlockKernel = (
  k0: number,
  k1: number,
  stream: number,
  firstBlock: number,
  count: number,
) => Uint32Array;

/** The slice of the WebAssembly JS API this file uses (kept local: no DOM lib needed). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

function instantiate(): PhiloxBlockKernel | undefined {
  const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (wasm === undefined) return undefined;
  try {
    const instance = new wasm.Instance(new wasm.Module(philoxWasmModuleBytes()), {});
    const blocks = instance.exports['blocks'] as (...args: number[]) => void;
    const memory = instance.exports['memory'] as { buffer: ArrayBuffer };
    const words = new Uint32Array(memory.buffer, 0, WASM_CHUNK_BLOCKS * 4);
    return (k0, k1, stream, firstBlock, count) => {
      blocks(k0, k1, stream, firstBlock, count, 0);
      return words;
    };
  } catch {
    // A runtime that forbids synchronous compilation (e.g. a strict CSP) falls back to JS.
    return undefined;
  }
}

/** The kernel, or `undefined` where WebAssembly is unavailable (the JS path is used then). */
export const philoxBlockKernel: PhiloxBlockKernel | undefined = instantiate();
