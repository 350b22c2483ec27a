/**
 * Direction stream v1's Gaussian entries, whole Philox blocks at a time, as a WebAssembly kernel:
 * Philox4x32-10 (the function of `philox-wasm.ts`) followed by Box–Muller, writing float32
 * entries straight into the module's memory.
 *
 * `ln`, `sin` and `cos` are bit-exact ports of fdlibm 5.3 — `__ieee754_log`,
 * `__ieee754_rem_pio2` (the paths reachable for 0 < x < 2π), `__kernel_sin` and
 * `__kernel_cos` — the code V8 (Node 20) runs for `Math.log`, `Math.sin` and `Math.cos`.
 * WebAssembly float64 arithmetic is IEEE-754 exact (no fused multiply-add, no extended
 * precision), so the kernel gives the same bits on every engine, whatever its own libm.
 * sin and cos of one angle share one argument reduction; the results equal fdlibm's separate
 * `sin(x)` and `cos(x)` bit for bit (both reduce the same way and pick kernels by n mod 4).
 * The code is generated inline (no calls) and fdlibm's data-dependent branches that random
 * angles would mispredict become `select`s between the exact fdlibm expressions; only rare
 * cases (tiny |f| in log, the π/2 and cancellation paths of the reduction) are branches.
 * Module memory is one 64 KiB page: 4096 blocks per `gaussian` call.
 *
 * Exports of the module:
 * - `gaussian(k0, k1, stream, firstBlock, count, ptr)`: blocks `firstBlock ..` as 4 float32
 *   entries each at byte `ptr` (16 bytes per block);
 * - `probe(inPtr, count, outPtr)`: for each u32 word x at inPtr, three float64 at outPtr:
 *   sqrt(−2 ln u), cos(2πu), sin(2πu) with u = (x + 0.5)/2^32 (used by the tests).
 */

import { philoxBlocksFunction, WASM_CHUNK_BLOCKS } from './philox-wasm.js';
import {
  add,
  assembleModule,
  BLOCK,
  br,
  brIf,
  type Code,
  call,
  div,
  END,
  F32_DEMOTE_F64,
  F64,
  F64_CONVERT_I32_S,
  F64_CONVERT_I32_U,
  F64_REINTERPRET_I64,
  type FunctionDef,
  f32Store,
  f64c,
  f64FromWords,
  f64Store,
  feq,
  fromWords,
  get,
  hiWord,
  I32,
  I32_GE_U,
  I32_TRUNC_F64_S,
  I64_REINTERPRET_F64,
  i32c,
  i32Load,
  iadd,
  iand,
  ieq,
  ieqz,
  ifElse,
  ifValue,
  ige,
  igtS,
  iltS,
  instantiateKernels,
  ior,
  ishl,
  ishrS,
  ishrU,
  isub,
  ixor,
  LOOP,
  loWord,
  mul,
  neg,
  SELECT,
  set as setLocal,
  sqrt,
  sub,
} from './wasm-asm.js';

/** local.set i to the value of `value` (or of the stack top when `value` is empty). */
const set = (i: number, value: Code): Code => [...value, ...setLocal(i)];
const w = f64FromWords;
const k = (hi: number, lo: number): Code => f64c(w(hi, lo));
const c = f64c;

// __ieee754_log constants.
const LN2_HI = k(0x3fe62e42, 0xfee00000);
const LN2_LO = k(0x3dea39ef, 0x35793c76);
const LG1 = k(0x3fe55555, 0x55555593);
const LG2 = k(0x3fd99999, 0x9997fa04);
const LG3 = k(0x3fd24924, 0x94229359);
const LG4 = k(0x3fcc71c5, 0x1d8e78af);
const LG5 = k(0x3fc74664, 0x96cb03de);
const LG6 = k(0x3fc39a09, 0xd078c69f);
const LG7 = k(0x3fc2f112, 0xdf3e5244);
// __kernel_sin.
const S1 = k(0xbfc55555, 0x55555549);
const S2 = k(0x3f811111, 0x1110f8a6);
const S3 = k(0xbf2a01a0, 0x19c161d5);
const S4 = k(0x3ec71de3, 0x57b1fe7d);
const S5 = k(0xbe5ae5e6, 0x8a2b9ceb);
const S6 = k(0x3de5d93a, 0x5acfd57c);
// __kernel_cos.
const C1 = k(0x3fa55555, 0x5555554c);
const C2 = k(0xbf56c16c, 0x16c15177);
const C3 = k(0x3efa01a0, 0x19cb1590);
const C4 = k(0xbe927e4f, 0x809c52ad);
const C5 = k(0x3e21ee9e, 0xbdb4b1c4);
const C6 = k(0xbda8fae9, 0xbe8838d4);
// __ieee754_rem_pio2.
const INVPIO2 = k(0x3fe45f30, 0x6dc9c883);
const PIO2_1 = k(0x3ff921fb, 0x54400000);
const PIO2_1T = k(0x3dd0b461, 0x1a626331);
const PIO2_2 = k(0x3dd0b461, 0x1a600000);
const PIO2_2T = k(0x3ba3198a, 0x2e037073);
const PIO2_3 = k(0x3ba3198a, 0x2e000000);
const PIO2_3T = k(0x397b839a, 0x252049c1);
const TWO_PI = c(2 * Math.PI);
const INV_2_32 = c(1 / 4294967296);

// Function indices.
const F_BLOCKS = 0;
const F_BOX_MULLER = 1;

/**
 * `cond ? a : b` for float64 without a branch: both operands are evaluated (they are
 * side-effect free) and the choice is an i64 `select` on their bits, which V8 compiles to a
 * conditional move (a float64 `select` becomes a branch on x64, mispredicted on random data).
 */
const select = (a: Code, b: Code, cond: Code): Code => [
  ...a,
  I64_REINTERPRET_F64,
  ...b,
  I64_REINTERPRET_F64,
  ...cond,
  SELECT,
  F64_REINTERPRET_I64,
];
/** `cond ? a : b` for i32, branch-free. */
const selectI32 = (a: Code, b: Code, cond: Code): Code => [...a, ...b, ...cond, SELECT];

/** Hands out local indices after a function's parameters and records their types. */
class Locals {
  readonly types: number[] = [];
  constructor(private readonly params: number) {}
  i32(): number {
    this.types.push(I32);
    return this.params + this.types.length - 1;
  }
  f64(): number {
    this.types.push(F64);
    return this.params + this.types.length - 1;
  }
}

/**
 * fdlibm's __ieee754_log(x) into local `out`, for normal 0 < x < ∞ (here 2^−33 < x < 1:
 * the subnormal, zero, negative, ∞ and NaN paths cannot occur). The k == 0 and i > 0 choices
 * are made with `select` (every candidate is the exact fdlibm expression); the rare |f| < 2^−20
 * path is a branch.
 */
function logInline(out: number, input: Code, locals: Locals): Code {
  const [X, HX, K, I, F, S, Z, W, R, DK, HFSQ] = [
    locals.f64(),
    locals.i32(),
    locals.i32(),
    locals.i32(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
  ];
  const [x, hx, kk, f, s, z, ww, r, dk, hfsq] = [X, HX, K, F, S, Z, W, R, DK, HFSQ].map(get) as [
    Code,
    Code,
    Code,
    Code,
    Code,
    Code,
    Code,
    Code,
    Code,
    Code,
  ];
  const kIsZero = ieqz(kk);
  const sHfsqR = mul(s, add(hfsq, r)); // s·(hfsq + R)
  const sFR = mul(s, sub(f, r)); // s·(f − R)
  return [
    ...set(X, input),
    ...set(HX, hiWord(x)),
    ...set(K, isub(ishrS(hx, i32c(20)), i32c(1023))),
    ...set(HX, iand(hx, i32c(0x000fffff))),
    ...set(I, iand(iadd(hx, i32c(0x95f64)), i32c(0x100000))),
    ...set(X, fromWords(ior(hx, ixor(get(I), i32c(0x3ff00000))), loWord(x))), // x or x/2
    ...set(K, iadd(kk, ishrS(get(I), i32c(20)))),
    ...set(F, sub(x, c(1))),
    ...set(DK, [...kk, F64_CONVERT_I32_S]),
    ...set(S, div(f, add(c(2), f))),
    ...set(Z, mul(s, s)),
    ...set(W, mul(z, z)),
    // R = t2 + t1, t1 = w(Lg2 + w(Lg4 + w·Lg6)), t2 = z(Lg1 + w(Lg3 + w(Lg5 + w·Lg7))).
    ...set(
      R,
      add(
        mul(z, add(LG1, mul(ww, add(LG3, mul(ww, add(LG5, mul(ww, LG7))))))),
        mul(ww, add(LG2, mul(ww, add(LG4, mul(ww, LG6))))),
      ),
    ),
    ...set(HFSQ, mul(mul(c(0.5), f), f)),
    ...set(
      out,
      ifValue(
        F64,
        // i = (hx − 0x6147a) | (0x6b851 − hx) > 0: true for ≈4% of inputs, a well-predicted branch
        igtS(ior(isub(hx, i32c(0x6147a)), isub(i32c(0x6b851), hx)), i32c(0)),
        select(
          sub(f, sub(hfsq, sHfsqR)),
          sub(mul(dk, LN2_HI), sub(sub(hfsq, add(sHfsqR, mul(dk, LN2_LO))), f)),
          kIsZero,
        ),
        select(sub(f, sFR), sub(mul(dk, LN2_HI), sub(sub(sFR, mul(dk, LN2_LO)), f)), kIsZero),
      ),
    ),
    // |f| < 2^−20 (rare).
    ...ifElse(iltS(iand(i32c(0x000fffff), iadd(i32c(2), hx)), i32c(3)), [
      ...set(
        out,
        ifValue(F64, feq(f, c(0)), select(c(0), add(mul(dk, LN2_HI), mul(dk, LN2_LO)), kIsZero), [
          // fdlibm writes 0.33333333333333333: the same double.
          ...set(R, mul(mul(f, f), sub(c(0.5), mul(c(0.3333333333333333), f)))),
          ...select(sub(f, r), sub(mul(dk, LN2_HI), sub(sub(r, mul(dk, LN2_LO)), f)), kIsZero),
        ]),
      ),
    ]),
  ];
}

/**
 * (sin x, cos x) into locals `sinOut`, `cosOut` for 0 < x < 2π: fdlibm's sin(x) and cos(x)
 * with one shared __ieee754_rem_pio2.
 *
 * Reduction. fdlibm's three paths for x > 0 are one computation with different n:
 * |x| ≤ π/4 passes (x, 0) with n = 0, and r = x − 0·pio2_1 = x, w = 0, y0 = x, y1 = +0 are
 * exactly that; 3π/4 > |x| computes z = x − pio2_1, y0 = z − pio2_1t, y1 = (z − y0) − pio2_1t,
 * i.e. the medium path with n = 1. So n is selected and the rest is shared. The rare cases
 * (x's high word is π/2's: 33+33+53-bit π; or n·π/2's: the cancellation checks, 2nd and 3rd
 * iterations) are a branch.
 *
 * Kernels. __kernel_sin(y0, y1, iy) with iy = 0 only on the |x| ≤ π/4 path, __kernel_cos(y0,
 * y1) (fdlibm 5.3), both candidates of each choice computed and picked by `select`; then
 * sin = (s, c, −s, −c) and cos = (c, −s, −c, s) for n mod 4 = 0, 1, 2, 3.
 */
function sinCosInline(sinOut: number, cosOut: number, input: Code, locals: Locals): Code {
  const [X, IX, N, FN, R, W, T, Y0, Y1, J, Z, V, RS, RC, IY0, QX, ZRXY, SK, CK] = [
    locals.f64(),
    locals.i32(),
    locals.i32(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.i32(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.i32(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
  ];
  const [x, ix, n, fn, r, ww, t, y0, y1, j, z, v, rs, rc, iy0, qx, zrxy, sk, ck] = [
    X,
    IX,
    N,
    FN,
    R,
    W,
    T,
    Y0,
    Y1,
    J,
    Z,
    V,
    RS,
    RC,
    IY0,
    QX,
    ZRXY,
    SK,
    CK,
  ].map(get);
  const exponentGap = isub(j!, iand(ishrU(hiWord(y0!), i32c(20)), i32c(0x7ff)));
  const iteration = (pio2: Code, pio2t: Code): Code => [
    ...set(T, r!),
    ...set(W, mul(fn!, pio2)),
    ...set(R, sub(t!, ww!)),
    ...set(W, sub(mul(fn!, pio2t), sub(sub(t!, r!), ww!))),
    ...set(Y0, sub(r!, ww!)),
  ];
  const notSmall = igtS(ix!, i32c(0x3fe921fb)); // |x| > π/4: reduced, iy = 1
  return [
    ...set(X, input),
    ...set(IX, iand(hiWord(x!), i32c(0x7fffffff))),
    ...set(
      N,
      selectI32(
        selectI32(
          [...add(mul(x!, INVPIO2), c(0.5)), I32_TRUNC_F64_S], // medium: (int)(|x|·2/π + ½)
          i32c(1),
          ige(ix!, i32c(0x4002d97c)),
        ),
        i32c(0),
        notSmall,
      ),
    ),
    ...set(FN, [...n!, F64_CONVERT_I32_S]),
    ...set(R, sub(x!, mul(fn!, PIO2_1))),
    ...set(W, mul(fn!, PIO2_1T)), // 1st round, good to 85 bits
    ...set(Y0, sub(r!, ww!)),
    ...ifElse(
      ior(
        ior(ieq(ix!, i32c(0x3ff921fb)), ieq(ix!, i32c(0x400921fb))),
        ior(ieq(ix!, i32c(0x4012d97c)), ieq(ix!, i32c(0x401921fb))),
      ),
      ifElse(
        ieq(ix!, i32c(0x3ff921fb)),
        [
          // Near π/2 (n = 1): z = x − pio2_1 − pio2_2, y0 = z − pio2_2t, y1 = (z − y0) − pio2_2t.
          ...set(R, sub(r!, PIO2_2)),
          ...set(W, PIO2_2T),
          ...set(Y0, sub(r!, ww!)),
        ],
        [
          // Medium path, ix == npio2_hw[n − 1]: check for cancellation.
          ...set(J, ishrS(ix!, i32c(20))),
          ...ifElse(igtS(exponentGap, i32c(16)), [
            ...iteration(PIO2_2, PIO2_2T), // 2nd iteration, good to 118 bits
            ...ifElse(igtS(exponentGap, i32c(49)), iteration(PIO2_3, PIO2_3T)), // 151 bits
          ]),
        ],
      ),
    ),
    ...set(Y1, sub(sub(r!, y0!), ww!)),
    // Kernels on (y0, y1).
    ...set(IY0, iand(hiWord(y0!), i32c(0x7fffffff))),
    ...set(Z, mul(y0!, y0!)),
    ...set(V, mul(z!, y0!)),
    ...set(RS, add(S2, mul(z!, add(S3, mul(z!, add(S4, mul(z!, add(S5, mul(z!, S6))))))))),
    ...set(
      SK,
      select(
        select(
          sub(y0!, sub(sub(mul(z!, sub(mul(c(0.5), y1!), mul(v!, rs!))), y1!), mul(v!, S1))),
          add(y0!, mul(v!, add(S1, mul(z!, rs!)))),
          notSmall,
        ),
        y0!,
        ige(iy0!, i32c(0x3e400000)), // |y0| < 2^−27: (int)y0 == 0, sin = y0
      ),
    ),
    ...set(
      RC,
      mul(
        z!,
        add(
          C1,
          mul(z!, add(C2, mul(z!, add(C3, mul(z!, add(C4, mul(z!, add(C5, mul(z!, C6))))))))),
        ),
      ),
    ),
    ...set(ZRXY, sub(mul(z!, rc!), mul(y0!, y1!))),
    ...set(
      QX,
      select(
        c(0.28125),
        fromWords(isub(iy0!, i32c(0x00200000)), i32c(0)),
        igtS(iy0!, i32c(0x3fe90000)),
      ),
    ),
    ...set(
      CK,
      select(
        select(
          sub(c(1), sub(mul(c(0.5), z!), zrxy!)), // |y0| < 0.3
          sub(sub(c(1), qx!), sub(sub(mul(c(0.5), z!), qx!), zrxy!)),
          iltS(iy0!, i32c(0x3fd33333)),
        ),
        c(1),
        ige(iy0!, i32c(0x3e400000)), // |y0| < 2^−27: cos = 1
      ),
    ),
    // n mod 4 → sin = (s, c, −s, −c), cos = (c, −s, −c, s).
    ...set(sinOut, select(ck!, sk!, iand(n!, i32c(1)))),
    ...set(cosOut, select(sk!, ck!, iand(n!, i32c(1)))),
    ...set(sinOut, select(neg(get(sinOut)), get(sinOut), iand(n!, i32c(2)))),
    ...set(
      cosOut,
      select(neg(get(cosOut)), get(cosOut), iand(ixor(n!, ishrU(n!, i32c(1))), i32c(1))),
    ),
  ];
}

/** u = (x + 0.5)/2^32 for the u32 word loaded from `ptr + offset`. */
const uniform = (ptr: Code, offset: number): Code =>
  mul(add([...ptr, ...i32Load(offset), F64_CONVERT_I32_U], c(0.5)), INV_2_32);

/** boxMuller(ptr, count): in place, 4 u32 words → 4 float32 entries per block. */
function boxMullerFunction(): FunctionDef {
  const [PTR, COUNT] = [0, 1];
  const locals = new Locals(2);
  const [END_PTR, L0, L1, S0, C0, S1_, C1_] = [
    locals.i32(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
    locals.f64(),
  ];
  const ptr = get(PTR);
  const store = (offset: number, value: Code): Code => [
    ...ptr,
    ...value,
    F32_DEMOTE_F64,
    ...f32Store(offset),
  ];
  const radius = (l: number): Code => sqrt(mul(c(-2), get(l)));
  // All four words are read before the first store.
  const body: Code = [
    ...logInline(L0, uniform(ptr, 0), locals),
    ...logInline(L1, uniform(ptr, 8), locals),
    ...sinCosInline(S0, C0, mul(TWO_PI, uniform(ptr, 4)), locals),
    ...sinCosInline(S1_, C1_, mul(TWO_PI, uniform(ptr, 12)), locals),
    ...set(L0, radius(L0)),
    ...set(L1, radius(L1)),
    ...store(0, mul(get(L0), get(C0))),
    ...store(4, mul(get(L0), get(S0))),
    ...store(8, mul(get(L1), get(C1_))),
    ...store(12, mul(get(L1), get(S1_))),
  ];
  const code: Code = [
    ...set(END_PTR, iadd(ptr, ishl(get(COUNT), i32c(4)))),
    ...BLOCK,
    ...LOOP,
    ...ptr,
    ...get(END_PTR),
    I32_GE_U,
    ...brIf(1),
    ...body,
    ...set(PTR, iadd(ptr, i32c(16))),
    ...br(0),
    END,
    END,
  ];
  return { params: [I32, I32], results: [], locals: locals.types, code };
}

/** gaussian(k0, k1, stream, firstBlock, count, ptr): Philox blocks, then Box–Muller in place. */
function gaussianFunction(): FunctionDef {
  const code: Code = [
    ...[0, 1, 2, 3, 4, 5].flatMap((i) => get(i)),
    ...call(F_BLOCKS),
    ...get(5),
    ...get(4),
    ...call(F_BOX_MULLER),
  ];
  const params = [I32, I32, I32, I32, I32, I32];
  return { params, results: [], locals: [], code, export: 'gaussian' };
}

/** probe(inPtr, count, outPtr): (sqrt(−2 ln u), cos 2πu, sin 2πu) as float64 per word. */
function probeFunction(): FunctionDef {
  const [IN, COUNT, OUT] = [0, 1, 2];
  const locals = new Locals(3);
  const [END_PTR, L, S, C] = [locals.i32(), locals.f64(), locals.f64(), locals.f64()];
  const [inPtr, out] = [get(IN), get(OUT)];
  const code: Code = [
    ...set(END_PTR, iadd(inPtr, ishl(get(COUNT), i32c(2)))),
    ...BLOCK,
    ...LOOP,
    ...inPtr,
    ...get(END_PTR),
    I32_GE_U,
    ...brIf(1),
    ...logInline(L, uniform(inPtr, 0), locals),
    ...sinCosInline(S, C, mul(TWO_PI, uniform(inPtr, 0)), locals),
    ...out,
    ...sqrt(mul(c(-2), get(L))),
    ...f64Store(0),
    ...out,
    ...get(C),
    ...f64Store(8),
    ...out,
    ...get(S),
    ...f64Store(16),
    ...set(IN, iadd(inPtr, i32c(4))),
    ...set(OUT, iadd(out, i32c(24))),
    ...br(0),
    END,
    END,
  ];
  return { params: [I32, I32, I32], results: [], locals: locals.types, code, export: 'probe' };
}

/** The assembled module bytes (one 64 KiB memory page). */
export function gaussianWasmModuleBytes(): Uint8Array {
  return assembleModule(
    [philoxBlocksFunction(), boxMullerFunction(), gaussianFunction(), probeFunction()],
    1,
  );
}

/** Fills `count` (≤ WASM_CHUNK_BLOCKS) blocks of Gaussian entries; returns a view of them. */
export type GaussianBlockKernel = (
  k0: number,
  k1: number,
  stream: number,
  firstBlock: number,
  count: number,
) => Float32Array;

/** Words per `probe` call: 2048 words in, 2048 × 3 float64 out, within the one page. */
const PROBE_WORDS = 2048;
const PROBE_OUT = PROBE_WORDS * 4;

interface Kernels {
  gaussian: GaussianBlockKernel;
  probe: (words: Uint32Array, out: Float64Array) => void;
}

function instantiate(): Kernels | undefined {
  const instance = instantiateKernels(gaussianWasmModuleBytes());
  if (instance === undefined) return undefined;
  const gaussian = instance.functions['gaussian']!;
  const probe = instance.functions['probe']!;
  const entries = new Float32Array(instance.memory, 0, WASM_CHUNK_BLOCKS * 4);
  const words = new Uint32Array(instance.memory, 0, PROBE_WORDS);
  const results = new Float64Array(instance.memory, PROBE_OUT, PROBE_WORDS * 3);
  return {
    gaussian: (k0, k1, stream, firstBlock, count) => {
      gaussian(k0, k1, stream, firstBlock, count, 0);
      return entries;
    },
    probe: (input, out) => {
      for (let i = 0; i < input.length; i += PROBE_WORDS) {
        const n = Math.min(PROBE_WORDS, input.length - i);
        words.set(input.subarray(i, i + n));
        probe(0, n, PROBE_OUT);
        out.set(results.subarray(0, 3 * n), 3 * i);
      }
    },
  };
}

const kernels = instantiate();

/** The Gaussian block kernel, or `undefined` where WebAssembly is unavailable. */
export const gaussianBlockKernel: GaussianBlockKernel | undefined = kernels?.gaussian;

/**
 * For tests: out[3i .. 3i + 2] = (sqrt(−2 ln u), cos 2πu, sin 2πu) in float64 as the kernel
 * computes them, u = (words[i] + 0.5)/2^32. `undefined` without WebAssembly.
 */
export const boxMullerProbe: Kernels['probe'] | undefined = kernels?.probe;
