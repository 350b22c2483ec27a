/**
 * Counter-based, seeded random numbers for initialising weights: `@meerkat/seeded`'s counter-hash
 * stream v1 with the tensor name as the stream name. Element `i` of tensor `name` depends only on
 * (seed, name, i), never on the order tensors are written or on chunk sizes, so random checkpoints
 * are byte-identical run to run on one JavaScript engine (the spec is in `@meerkat/seeded`).
 * - `randomWord(seed, name, n)`: word `n` of tensor `name`'s stream, a uniform uint32;
 * - `fillNormal(seed, name, start, out, std, mean = 0)`: elements [start, start + out.length) of
 *   its normal(mean, std) stream.
 */
export { fillHashStreamNormal as fillNormal, hashStreamWord as randomWord } from '@meerkat/seeded';
