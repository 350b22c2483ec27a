import type { LlamaModel } from './model.js';

/** Options of `greedyGenerate`. */
export interface GreedyOptions {
  /** Stop after producing this id (it is included in the output). */
  readonly eosTokenId?: number;
}

/**
 * Greedy decoding of one sequence: appends the argmax token `maxNewTokens` times (or until
 * `eosTokenId`) and returns prompt + new ids. There is no KV cache: each step reruns the whole
 * forward pass over the sequence so far (quadratic cost), so this is a sanity tool for checking a
 * model against reference continuations, not a serving path. Ties pick the lowest id.
 */
export async function greedyGenerate(
  model: LlamaModel,
  prompt: Uint32Array,
  maxNewTokens: number,
  options: GreedyOptions = {},
): Promise<Uint32Array> {
  const out = Array.from(prompt);
  for (let step = 0; step < maxNewTokens; step++) {
    const ids = Uint32Array.from(out);
    const logits = model.forward(ids, [1, ids.length], { logits: 'last' });
    const row = await model.backend.download(logits);
    logits.dispose();
    let best = 0;
    for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
    out.push(best);
    if (best === options.eosTokenId) break;
  }
  return Uint32Array.from(out);
}
