import type { Tensor } from '@meerkat/tensor';
import { LmError } from './errors.js';
import type { LlamaModel } from './model.js';

/** The masked entries that fall in one weight tensor. */
interface TensorGroup {
  readonly name: string;
  readonly tensor: Tensor;
  /** Flat indices inside the tensor. */
  readonly local: Uint32Array;
  /** Where each entry sits in the view's value array. */
  readonly slots: Uint32Array;
  /** Scratch buffer for `write`. */
  readonly buffer: Float32Array;
  /**
   * When the group's slots are one run `first, first + 1, …` of the value array (always so for a
   * full-parameter view), `write` passes that run of the values directly; else −1.
   */
  readonly runStart: number;
}

/**
 * Slots of `flatIndices` in ascending order of index. A typed array, not a JS array: a
 * full-parameter view of a 135M-parameter model has more entries than a JS array may hold. Masks
 * are usually sorted already (sparse-mask's are), which is checked in one pass.
 */
function ascendingOrder(flatIndices: Uint32Array): Uint32Array {
  const order = new Uint32Array(flatIndices.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = 1; i < flatIndices.length; i++) {
    if (flatIndices[i]! < flatIndices[i - 1]!) {
      return order.sort((a, b) => flatIndices[a]! - flatIndices[b]!);
    }
  }
  return order;
}

/** The first slot when `slots` is a run of consecutive slots, else −1. */
function runStartOf(slots: Uint32Array): number {
  for (let k = 1; k < slots.length; k++) if (slots[k] !== slots[0]! + k) return -1;
  return slots.length === 0 ? -1 : slots[0]!;
}

/**
 * A sparse trainable view of a model: the parameters at `flatIndices` of the canonical flat
 * layout (the concatenation of `parameterSpecs(config)` in order, each tensor row-major; the
 * layout `@meerkat/sparse-mask` uses). Indices are grouped per weight tensor once, at creation;
 * `write` then does one `scatterUpdate` per touched tensor. With tied embeddings, entries of
 * `model.embed_tokens.weight` change the LM head too (they are the same tensor).
 */
export class TrainableView {
  readonly model: LlamaModel;
  /** The flat indices, in the order `read`/`write` use. */
  readonly indices: Uint32Array;
  private readonly groups: TensorGroup[];
  private readonly values: Float32Array;

  private constructor(
    model: LlamaModel,
    indices: Uint32Array,
    groups: TensorGroup[],
    values: Float32Array,
  ) {
    this.model = model;
    this.indices = indices;
    this.groups = groups;
    this.values = values;
  }

  /**
   * Groups `flatIndices` (distinct, each < the parameter count) per tensor and reads their
   * current values once from the backend.
   */
  static async create(model: LlamaModel, flatIndices: Uint32Array): Promise<TrainableView> {
    const specs = model.specs;
    const offsets = new Float64Array(specs.length + 1);
    specs.forEach((s, i) => {
      offsets[i + 1] = offsets[i]! + s.shape.reduce((a, b) => a * b, 1);
    });
    const total = offsets[specs.length]!;
    const order = ascendingOrder(flatIndices);
    for (let j = 0; j < order.length; j++) {
      const idx = flatIndices[order[j]!]!;
      if (idx >= total) {
        throw new LmError(
          'LM_INVALID_ARGUMENT',
          `flat index ${idx} is outside the model's ${total} parameters (parameterSpecs order).`,
        );
      }
      if (j > 0 && flatIndices[order[j - 1]!] === idx) {
        throw new LmError(
          'LM_INVALID_ARGUMENT',
          `flat index ${idx} appears twice; indices must be distinct.`,
        );
      }
    }
    const groups: TensorGroup[] = [];
    const values = new Float32Array(flatIndices.length);
    let j = 0;
    for (let t = 0; t < specs.length && j < order.length; t++) {
      const begin = j;
      while (j < order.length && flatIndices[order[j]!]! < offsets[t + 1]!) j++;
      if (j === begin) continue;
      const slots = order.slice(begin, j);
      const local = Uint32Array.from(slots, (slot) => flatIndices[slot]! - offsets[t]!);
      const name = specs[t]!.name;
      const tensor = model.weight(name);
      const data = await model.backend.download(tensor);
      for (let k = 0; k < slots.length; k++) values[slots[k]!] = data[local[k]!]!;
      const runStart = runStartOf(slots);
      const buffer = new Float32Array(runStart >= 0 ? 0 : slots.length);
      groups.push({ name, tensor, local, slots, buffer, runStart });
    }
    return new TrainableView(model, Uint32Array.from(flatIndices), groups, values);
  }

  /** Number of trainable entries. */
  get size(): number {
    return this.indices.length;
  }

  /** Names of the weight tensors the view touches, in canonical order. */
  get tensorNames(): string[] {
    return this.groups.map((g) => g.name);
  }

  /** A copy of the current values, in `indices` order (kept on the host; no backend read). */
  read(): Float32Array {
    return this.values.slice();
  }

  /** Overwrites the masked parameters with `values` (in `indices` order), in place on the backend. */
  write(values: Float32Array): void {
    if (values.length !== this.values.length) {
      throw new LmError(
        'LM_INVALID_ARGUMENT',
        `write needs ${this.values.length} values (one per masked index), got ${values.length}.`,
      );
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        throw new LmError(
          'LM_INVALID_ARGUMENT',
          `value ${i} (${values[i]}) is not finite; nothing was written.`,
        );
      }
    }
    for (const g of this.groups) {
      let groupValues: Float32Array;
      if (g.runStart >= 0) groupValues = values.subarray(g.runStart, g.runStart + g.slots.length);
      else {
        for (let k = 0; k < g.slots.length; k++) g.buffer[k] = values[g.slots[k]!]!;
        groupValues = g.buffer;
      }
      this.model.backend.scatterUpdate(g.tensor, g.local, groupValues);
    }
    this.values.set(values);
  }
}
