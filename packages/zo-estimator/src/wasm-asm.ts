/**
 * A very small WebAssembly assembler: byte encoders, the opcodes the kernels use and a module
 * builder. Instructions are plain byte arrays; since WebAssembly is a stack machine, an
 * expression helper such as `f64Add(a, b)` is just `[...a, ...b, opcode]`.
 */

export type Code = readonly number[];

export function leb128Unsigned(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

export function leb128Signed(value: bigint): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = Number(value & 0x7fn);
    value >>= 7n;
    const done = (value === 0n && (byte & 0x40) === 0) || (value === -1n && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

function section(id: number, payload: Code): number[] {
  return [id, ...leb128Unsigned(payload.length), ...payload];
}

function name(text: string): number[] {
  return [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
}

function vector(items: readonly Code[]): number[] {
  return [...leb128Unsigned(items.length), ...items.flat()];
}

// Value types.
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;

// Variables and constants.
export const get = (i: number): Code => [0x20, ...leb128Unsigned(i)];
export const set = (i: number): Code => [0x21, ...leb128Unsigned(i)];
export const tee = (i: number): Code => [0x22, ...leb128Unsigned(i)];
export const i32c = (v: number): Code => [0x41, ...leb128Signed(BigInt(v | 0))];
export const i64c = (v: number): Code => [0x42, ...leb128Signed(BigInt(v))];
/** f64.const with the exact bits of `v`. */
export function f64c(v: number): Code {
  const bytes = new Uint8Array(new Float64Array([v]).buffer);
  return [0x44, ...bytes];
}
/** The float64 whose IEEE-754 words are (hi, lo), as in fdlibm's hex comments. */
export function f64FromWords(hi: number, lo: number): number {
  const words = new Uint32Array([lo >>> 0, hi >>> 0]);
  return new Float64Array(words.buffer)[0]!;
}

// Opcodes (single byte).
export const I32_EQZ = 0x45;
export const I32_EQ = 0x46;
export const I32_NE = 0x47;
export const I32_LT_S = 0x48;
export const I32_LT_U = 0x49;
export const I32_GT_S = 0x4a;
export const I32_LE_S = 0x4c;
export const I32_LE_U = 0x4d;
export const I32_GE_U = 0x4f;
export const F64_EQ = 0x61;
export const I32_ADD = 0x6a;
export const I32_SUB = 0x6b;
export const I32_AND = 0x71;
export const I32_OR = 0x72;
export const I32_XOR = 0x73;
export const I32_SHR_S = 0x75;
export const I32_SHR_U = 0x76;
export const I32_SHL = 0x74;
export const I64_MUL = 0x7e;
export const I64_OR = 0x84;
export const I64_SHL = 0x86;
export const I64_SHR_U = 0x88;
export const F64_NEG = 0x9a;
export const F64_SQRT = 0x9f;
export const F64_ADD = 0xa0;
export const F64_SUB = 0xa1;
export const F64_MUL = 0xa2;
export const F64_DIV = 0xa3;
export const I32_WRAP_I64 = 0xa7;
export const I32_TRUNC_F64_S = 0xaa;
export const I64_EXTEND_I32_U = 0xad;
export const F32_DEMOTE_F64 = 0xb6;
export const F64_CONVERT_I32_S = 0xb7;
export const F64_CONVERT_I32_U = 0xb8;
export const I64_REINTERPRET_F64 = 0xbd;
export const F64_REINTERPRET_I64 = 0xbf;
export const SELECT = 0x1b;
export const RETURN = 0x0f;
export const END = 0x0b;

// Memory access (alignment exponent, offset).
export const i32Load = (offset: number): Code => [0x28, 2, ...leb128Unsigned(offset)];
export const i32Store = (offset: number): Code => [0x36, 2, ...leb128Unsigned(offset)];
export const f32Store = (offset: number): Code => [0x38, 2, ...leb128Unsigned(offset)];
export const f64Store = (offset: number): Code => [0x39, 3, ...leb128Unsigned(offset)];

// Control.
export const BLOCK = [0x02, 0x40] as const;
export const LOOP = [0x03, 0x40] as const;
export const br = (depth: number): Code => [0x0c, depth];
export const brIf = (depth: number): Code => [0x0d, depth];
export const call = (fn: number): Code => [0x10, ...leb128Unsigned(fn)];

// Expression helpers.
const op =
  (code: number) =>
  (a: Code, b: Code): Code => [...a, ...b, code];
export const add = op(F64_ADD);
export const sub = op(F64_SUB);
export const mul = op(F64_MUL);
export const div = op(F64_DIV);
export const neg = (a: Code): Code => [...a, F64_NEG];
export const sqrt = (a: Code): Code => [...a, F64_SQRT];
export const feq = op(F64_EQ);
export const iadd = op(I32_ADD);
export const isub = op(I32_SUB);
export const iand = op(I32_AND);
export const ior = op(I32_OR);
export const ixor = op(I32_XOR);
export const ishrS = op(I32_SHR_S);
export const ishrU = op(I32_SHR_U);
export const ishl = op(I32_SHL);
export const ieq = op(I32_EQ);
export const ine = op(I32_NE);
export const iltS = op(I32_LT_S);
export const igtS = op(I32_GT_S);
export const ileS = op(I32_LE_S);
export const ige = op(0x4e); // i32.ge_s
export const ieqz = (a: Code): Code => [...a, I32_EQZ];
/** The high 32-bit word of a float64 (fdlibm's GET_HIGH_WORD / __HI). */
export const hiWord = (x: Code): Code => [
  ...x,
  I64_REINTERPRET_F64,
  ...i64c(32),
  I64_SHR_U,
  I32_WRAP_I64,
];
/** The low 32-bit word of a float64 (__LO). */
export const loWord = (x: Code): Code => [...x, I64_REINTERPRET_F64, I32_WRAP_I64];
/** The float64 with words (hi, lo) (INSERT_WORDS). */
export const fromWords = (hi: Code, lo: Code): Code => [
  ...hi,
  I64_EXTEND_I32_U,
  ...i64c(32),
  I64_SHL,
  ...lo,
  I64_EXTEND_I32_U,
  I64_OR,
  F64_REINTERPRET_I64,
];
/** `if (cond) { then } else { otherwise }` as a statement. */
export function ifElse(cond: Code, then: Code, otherwise: Code = []): Code {
  return [...cond, 0x04, 0x40, ...then, ...(otherwise.length ? [0x05, ...otherwise] : []), END];
}
/** `cond ? a : b` producing a value of type `type` (only the taken arm is evaluated). */
export function ifValue(type: number, cond: Code, a: Code, b: Code): Code {
  return [...cond, 0x04, type, ...a, 0x05, ...b, END];
}
export const ret = (value: Code): Code => [...value, RETURN];

export interface FunctionDef {
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** Value types of the extra locals, numbered after the parameters. */
  readonly locals: readonly number[];
  /** The body, without the final `end`. */
  readonly code: Code;
  /** Export name, if exported. */
  readonly export?: string;
}

/** A module with one memory of `pages` 64 KiB pages (exported as `memory`) and the functions. */
export function assembleModule(functions: readonly FunctionDef[], pages: number): Uint8Array {
  const types = functions.map((f) => [
    0x60,
    ...leb128Unsigned(f.params.length),
    ...f.params,
    ...leb128Unsigned(f.results.length),
    ...f.results,
  ]);
  const bodies = functions.map((f) => {
    const groups: number[][] = [];
    for (const type of f.locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === type) last[0]!++;
      else groups.push([1, type]);
    }
    const body = [...vector(groups.map(([n, t]) => [...leb128Unsigned(n!), t!])), ...f.code, END];
    return [...leb128Unsigned(body.length), ...body];
  });
  const exports: number[][] = [[...name('memory'), 0x02, 0]];
  functions.forEach((f, i) => {
    if (f.export !== undefined) exports.push([...name(f.export), 0x00, ...leb128Unsigned(i)]);
  });
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(3, vector(functions.map((_, i) => leb128Unsigned(i)))),
    ...section(5, [1, 0x00, ...leb128Unsigned(pages)]),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}

/** The slice of the WebAssembly JS API the kernels use (kept local: no DOM lib needed). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** A kernel module instantiated in this thread: its exported functions and its memory. */
export interface KernelInstance {
  readonly functions: Readonly<Record<string, (...args: number[]) => void>>;
  readonly memory: ArrayBuffer;
}

/**
 * Compiles and instantiates assembled module bytes synchronously. `undefined` where the runtime
 * has no WebAssembly or forbids synchronous compilation (e.g. a strict CSP): callers fall back to
 * their JavaScript path then.
 */
export function instantiateKernels(bytes: Uint8Array): KernelInstance | undefined {
  const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (wasm === undefined) return undefined;
  try {
    const { exports } = new wasm.Instance(new wasm.Module(bytes), {});
    const memory = (exports['memory'] as { buffer: ArrayBuffer }).buffer;
    return { functions: exports as KernelInstance['functions'], memory };
  } catch {
    return undefined;
  }
}
