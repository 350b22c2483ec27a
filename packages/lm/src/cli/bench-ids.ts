import { randomWord } from '../random-init.js';

/**
 * `count` token ids, uniform in [0, vocabSize) up to a modulo bias below vocabSize / 2³², from
 * the seeded counter-based stream of `random-init.ts` (stream name `meerkat-lm bench ids`): the
 * same seed always gives the same batch.
 */
export function benchIds(seed: number, count: number, vocabSize: number): Uint32Array {
  const ids = new Uint32Array(count);
  for (let i = 0; i < count; i++) ids[i] = randomWord(seed, 'meerkat-lm bench ids', i) % vocabSize;
  return ids;
}
