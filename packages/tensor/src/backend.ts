/**
 * The backend interface: every operation a Llama-family decoder (Llama, Mistral, Qwen2) needs
 * for forward passes, causal-LM loss and verbalizer scoring. Shapes are row-major; the element
 * type is always float32 at the interface (a backend may compute internally in another
 * precision and says so in its capabilities).
 */

/** The only element type at the interface. */
export type DType = 'float32';

/**
 * An opaque tensor handle. Backends implement it with their own (private) storage; pass a
 * handle only to the backend that created it (others throw `TENSOR_FOREIGN`).
 */
export interface Tensor {
  /** Dimensions, row-major; `[]` is a scalar. */
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Number of elements, the product of `shape` (1 for a scalar). */
  readonly size: number;
  /** `Backend.name` of the backend that created it. */
  readonly backend: string;
  /** True after `dispose()` or after the scope that owned it ended. */
  readonly isDisposed: boolean;
  /** Frees the storage now. Idempotent: disposing twice is not an error. */
  dispose(): void;
}

/** What `Backend.memory()` reports: live (not disposed) tensors created by this backend. */
export interface MemoryInfo {
  readonly tensors: number;
  /** Bytes of tensor storage those tensors hold (4 per float32 element at least). */
  readonly bytes: number;
}

/** What a backend can do and how precise it is. */
export interface Capabilities {
  /** `valueAndGradients` is implemented. */
  readonly gradients: boolean;
  /** The backend can store/compute in float16 internally (the interface stays float32). */
  readonly float16: boolean;
  readonly device: 'gpu' | 'cpu';
  readonly precision: Precision;
}

/** Precision a backend promises; the conformance suite scales its tolerances with it. */
export interface Precision {
  /**
   * Unit roundoff u of the arithmetic the backend really uses: 2⁻²⁴ (≈5.96e-8) for float32,
   * 2⁻¹¹ for TF32 or float16 matmuls. Every conformance tolerance is a multiple of u.
   */
  readonly unitRoundoff: number;
  /** Free text: summation order, fused multiply-add, approximate exp, TF32, ... */
  readonly notes: string;
}

/** Options of `Backend.matmul`. */
export interface MatmulOptions {
  /** B is stored as [n, k] (or [batch, n, k]) and used transposed: HF Linear weights are [out, in]. */
  readonly transposeB?: boolean;
}

/**
 * Rotary embedding inputs, one of:
 * - `{ cos, sin }`: tables of shape [s, d/2] (shared by every batch row) or [b, s, d/2]; entry
 *   (p, i) is cos/sin(position_p · invFreq_i). Use this for scaled RoPE (Llama 3, YaRN, ...).
 * - `{ positions, theta }`: positions of length s (shared) or b·s; invFreq_i = θ^(−2i/d).
 */
export type Rotary =
  | { readonly cos: Tensor; readonly sin: Tensor }
  | { readonly positions: Uint32Array; readonly theta: number };

/** Options of `Backend.attention`. */
export interface AttentionOptions {
  /**
   * Key mask [b, t], 1 = attend, 0 = padding (left or right). Any nonzero value counts as 1.
   * Omit when nothing is padded.
   */
  readonly mask?: Tensor;
  /** Causal masking: query i (of s) sees keys j ≤ i + (t − s). Default true. */
  readonly causal?: boolean;
  /** Multiplier of q·k. Default 1/√d. */
  readonly scale?: number;
}

/** The result of `valueAndGradients`. */
export interface ValueAndGradients {
  /** The scalar value of f. */
  readonly value: Tensor;
  /** ∂f/∂w for each w of `wrt`, same shapes, same order. */
  readonly gradients: readonly Tensor[];
}

/**
 * A tensor backend. All operations return new tensors and never modify their inputs, except
 * `scatterUpdate`, which overwrites entries of its `weight` in place.
 */
export interface Backend {
  /** Registry name, e.g. `'tfjs:wasm'`, `'gpujs:webgl'`, `'reference:cpu'`. */
  readonly name: string;
  readonly capabilities: Capabilities;

  // ── data ──────────────────────────────────────────────────────────────────────────────────
  /** A new tensor holding a copy of `data` (length = product of `shape`). */
  upload(data: Float32Array, shape: readonly number[]): Tensor;
  /** A tensor of `shape` with every element `value` (default 0). */
  fill(shape: readonly number[], value?: number): Tensor;
  /** A copy of the tensor's elements, row-major. The caller owns the array. */
  download(x: Tensor): Promise<Float32Array>;
  /** Same elements, new shape (same size). A new handle, disposed independently. */
  reshape(x: Tensor, shape: readonly number[]): Tensor;

  // ── lifetime ──────────────────────────────────────────────────────────────────────────────
  /** Disposes one tensor or several. Idempotent. */
  dispose(x: Tensor | readonly Tensor[]): void;
  /**
   * Runs `fn` synchronously and disposes every tensor created inside it, except the tensors
   * reachable from its return value (through arrays and plain objects) and those passed to
   * `keep`. Kept tensors belong to the enclosing scope, if any. `fn` must not be async:
   * a returned promise throws `TENSOR_INVALID_ARGUMENT` (after disposing what was created).
   */
  scope<R>(fn: () => R): R;
  /** Exempts a tensor from disposal by the scopes it was created in. Returns it. */
  keep<T extends Tensor>(x: T): T;
  /** Live tensors of this backend instance, for leak tests. */
  memory(): MemoryInfo;

  // ── linear algebra ────────────────────────────────────────────────────────────────────────
  /**
   * Batched matrix product. A: [m, k] or [batch, m, k]. B: [k, n] / [batch, k, n], or with
   * `transposeB` [n, k] / [batch, n, k]. A rank-2 operand is shared by every batch entry.
   * Result: [m, n], or [batch, m, n] if either operand has rank 3.
   */
  matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor;

  // ── elementwise ───────────────────────────────────────────────────────────────────────────
  /** a + b. b has a's shape or a suffix of it (broadcast over the leading dims, e.g. a bias). */
  add(a: Tensor, b: Tensor): Tensor;
  /** a ⊙ b, with `add`'s broadcasting. */
  mul(a: Tensor, b: Tensor): Tensor;
  /** s · a. */
  scale(a: Tensor, s: number): Tensor;
  /** x · sigmoid(x). */
  silu(x: Tensor): Tensor;
  /** silu(gate) ⊙ up (same shapes): the SwiGLU MLP activation. */
  swiglu(gate: Tensor, up: Tensor): Tensor;

  // ── normalisation, positions, attention ───────────────────────────────────────────────────
  /** x: [..., h], weight: [h]. y = x / √(mean(x²) + eps) ⊙ weight, per row of h. */
  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor;
  /**
   * Rotary embedding, rotate-half convention (HF `rotate_half`): x: [b, s, heads, d], d even;
   * for i < d/2: y_i = x_i·cos_i − x_{i+d/2}·sin_i and y_{i+d/2} = x_{i+d/2}·cos_i + x_i·sin_i.
   */
  rope(x: Tensor, rotary: Rotary): Tensor;
  /**
   * Softmax attention with grouped-query heads. q: [b, s, hq, d]; k, v: [b, t, hkv, d] with hq a
   * multiple of hkv (query head h uses key/value head ⌊h / (hq/hkv)⌋). Result: [b, s, hq, d].
   * A query row with no visible key (fully masked) yields zeros, never NaN.
   */
  attention(q: Tensor, k: Tensor, v: Tensor, options?: AttentionOptions): Tensor;

  // ── embeddings and losses ─────────────────────────────────────────────────────────────────
  /**
   * Row gather: table [rows, h], ids (each < rows) laid out in `idsShape` → [...idsShape, h].
   * Also picks positions out of hidden states (reshape them to [b·s, h] first).
   */
  embedding(table: Tensor, ids: Uint32Array, idsShape: readonly number[]): Tensor;
  /** log softmax along the last axis. */
  logSoftmax(x: Tensor): Tensor;
  /**
   * Per-position negative log-likelihood: logits [..., V] seen as R = size/V rows; result [n]
   * with result_i = logsumexp(row rows_i) − row[rows_i][targets_i].
   */
  crossEntropy(logits: Tensor, rows: Uint32Array, targets: Uint32Array): Tensor;
  /** Sum of all elements: a scalar (shape []). */
  sum(x: Tensor): Tensor;

  // ── training ──────────────────────────────────────────────────────────────────────────────
  /**
   * Sparse in-place overwrite: weight.flat[flatIndices_i] = values_i. Indices must be distinct
   * and < weight.size (`checkScatterIndices`). The handle stays the same; tensors computed from
   * the weight earlier keep their values.
   */
  scatterUpdate(weight: Tensor, flatIndices: Uint32Array, values: Float32Array): void;
  /**
   * Only where `capabilities.gradients`: evaluates f (which must return a scalar) and its
   * gradients with respect to `wrt`. Tensors f creates are disposed (as in `scope`); the value
   * and the gradients are new tensors the caller owns. Backends without gradients throw
   * `TENSOR_UNSUPPORTED`.
   */
  valueAndGradients(f: () => Tensor, wrt: readonly Tensor[]): ValueAndGradients;
}
