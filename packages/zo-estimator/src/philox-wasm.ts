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

import {
  assembleModule,
  BLOCK,
  br,
  brIf,
  END,
  type FunctionDef,
  get,
  I32,
  I32_ADD,
  I32_GE_U,
  I32_SUB,
  I32_WRAP_I64,
  I32_XOR,
  I64,
  I64_EXTEND_I32_U,
  I64_MUL,
  I64_SHR_U,
  i32c,
  i32Store,
  i64c,
  instantiateKernels,
  LOOP,
  set,
  tee,
} from './wasm-asm.js';

const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9 | 0;
const PHILOX_W1 = 0xbb67ae85 | 0;

/** Blocks per kernel call: 4096 blocks × 16 bytes = one 64 KiB wasm page. */
export const WASM_CHUNK_BLOCKS = 4096;

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
    ...get(PTR), ...get(C0), ...i32Store(0),
    ...get(PTR), ...get(C1), ...i32Store(4),
    ...get(PTR), ...get(C2), ...i32Store(8),
    ...get(PTR), ...get(C3), ...i32Store(12),
    ...get(PTR), ...i32c(16), I32_ADD, ...set(PTR),
    ...get(B), ...i32c(1), I32_ADD, ...set(B),
    ...br(0),
    END,
    END,
  ];
  return code;
}

/** The Philox function `blocks(k0, k1, stream, firstBlock, count, outPtr)`, for any module. */
export function philoxBlocksFunction(exportName?: string): FunctionDef {
  return {
    params: [I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I64, I64],
    code: kernelBody(),
    ...(exportName === undefined ? {} : { export: exportName }),
  };
}

/** The assembled module bytes. */
export function philoxWasmModuleBytes(): Uint8Array {
  return assembleModule([philoxBlocksFunction('blocks')], 1);
}

/** Fills `count` (≤ WASM_CHUNK_BLOCKS) Philox blocks and returns a view of their words. */
export type PhiloxBlockKernel = (
  k0: number,
  k1: number,
  stream: number,
  firstBlock: number,
  count: number,
) => Uint32Array;

function instantiate(): PhiloxBlockKernel | undefined {
  const instance = instantiateKernels(philoxWasmModuleBytes());
  if (instance === undefined) return undefined;
  const blocks = instance.functions['blocks']!;
  const words = new Uint32Array(instance.memory, 0, WASM_CHUNK_BLOCKS * 4);
  return (k0, k1, stream, firstBlock, count) => {
    blocks(k0, k1, stream, firstBlock, count, 0);
    return words;
  };
}

/** The kernel, or `undefined` where WebAssembly is unavailable (the JS path is used then). */
export const philoxBlockKernel: PhiloxBlockKernel | undefined = instantiate();
