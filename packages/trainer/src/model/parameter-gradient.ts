import type { LlamaModel } from '@meerkat/lm';
import type { Tensor } from '@meerkat/tensor';
import { MeerkatError } from '../errors.js';

/** Refuses early, with a typed error naming what would work, on a backend without gradients. */
export function requireGradients(model: LlamaModel, what: string): void {
  if (!model.backend.capabilities.gradients) {
    throw new MeerkatError(
      'MEERKAT_BACKEND_UNSUPPORTED',
      `${what} needs gradients, and backend ${model.backend.name} has none: use backend 'tfjs:auto' (or 'tfjs:wasm' / 'tfjs:cpu')`,
    );
  }
}

/** Gradient of a scalar loss with respect to every canonical parameter, on the host. */
export async function fullGradient(
  model: LlamaModel,
  loss: () => Tensor,
): Promise<{ value: number; gradients: Map<string, Float32Array> }> {
  const be = model.backend;
  const names = model.specs.map((s) => s.name);
  const { value, gradients } = be.valueAndGradients(
    loss,
    names.map((n) => model.weight(n)),
  );
  try {
    const out = new Map<string, Float32Array>();
    for (let i = 0; i < names.length; i++) out.set(names[i]!, await be.download(gradients[i]!));
    return { value: (await be.download(value))[0]!, gradients: out };
  } finally {
    be.dispose([value, ...gradients]);
  }
}

/** Sorted flat indices grouped by the canonical tensor they fall in. */
export interface MaskGroup {
  readonly name: string;
  /** Indices inside the tensor. */
  readonly local: Uint32Array;
  /** Positions in the k-vector. */
  readonly slots: Uint32Array;
}

export function groupIndices(model: LlamaModel, indices: Uint32Array): MaskGroup[] {
  const groups: MaskGroup[] = [];
  let offset = 0;
  let j = 0;
  for (const spec of model.specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const begin = j;
    while (j < indices.length && indices[j]! < offset + size) j++;
    if (j > begin) {
      groups.push({
        name: spec.name,
        local: Uint32Array.from(indices.subarray(begin, j), (i) => i - offset),
        slots: Uint32Array.from({ length: j - begin }, (_, s) => begin + s),
      });
    }
    offset += size;
  }
  return groups;
}

/** Gradient of a scalar loss at the masked parameters (k values, in index order). */
export async function maskedGradient(
  model: LlamaModel,
  groups: readonly MaskGroup[],
  k: number,
  loss: () => Tensor,
): Promise<{ value: number; gradient: Float32Array }> {
  const be = model.backend;
  const { value, gradients } = be.valueAndGradients(
    loss,
    groups.map((g) => model.weight(g.name)),
  );
  try {
    const out = new Float32Array(k);
    for (let t = 0; t < groups.length; t++) {
      const g = await be.download(gradients[t]!);
      const { local, slots } = groups[t]!;
      for (let i = 0; i < local.length; i++) out[slots[i]!] = g[local[i]!]!;
    }
    return { value: (await be.download(value))[0]!, gradient: out };
  } finally {
    be.dispose([value, ...gradients]);
  }
}
