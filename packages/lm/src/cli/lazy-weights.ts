import type { Checkpoint } from '../checkpoint.js';
import type { LlamaConfig } from '../config.js';
import { parameterSpecs } from '../layout.js';
import { initKind } from '../random-checkpoint.js';
import { fillNormal } from '../random-init.js';

/**
 * A read-only map of canonical weights whose float32 values are made on each `get` and not
 * kept, so `LlamaModel.fromWeights` uploads them one tensor at a time: host memory holds one
 * widened tensor, never a float32 copy of the whole model next to what the backend holds.
 * (`fromWeights` reads each tensor twice, once to check its length and once to upload it, so
 * each is made twice.)
 */
export class LazyWeights implements ReadonlyMap<string, Float32Array> {
  private readonly names: readonly string[];
  private readonly known: ReadonlySet<string>;
  private readonly make: (name: string) => Float32Array;

  constructor(names: readonly string[], make: (name: string) => Float32Array) {
    this.names = names;
    this.known = new Set(names);
    this.make = make;
  }

  get size(): number {
    return this.names.length;
  }

  get(name: string): Float32Array | undefined {
    return this.known.has(name) ? this.make(name) : undefined;
  }

  has(name: string): boolean {
    return this.known.has(name);
  }

  forEach(
    callback: (value: Float32Array, key: string, map: ReadonlyMap<string, Float32Array>) => void,
  ): void {
    for (const name of this.names) callback(this.make(name), name, this);
  }

  *entries(): MapIterator<[string, Float32Array]> {
    for (const name of this.names) yield [name, this.make(name)];
  }

  *keys(): MapIterator<string> {
    yield* this.names;
  }

  *values(): MapIterator<Float32Array> {
    for (const name of this.names) yield this.make(name);
  }

  [Symbol.iterator](): MapIterator<[string, Float32Array]> {
    return this.entries();
  }
}

/**
 * The weights `writeRandomCheckpoint(dir, config, { seed })` would write (normal(0, 0.02)
 * matrices from the same seeded stream, RMSNorm weights 1, biases 0), made in memory.
 */
export function seededWeights(config: LlamaConfig, seed: number): LazyWeights {
  const specs = parameterSpecs(config);
  const shapes = new Map(specs.map((s) => [s.name, s.shape]));
  return new LazyWeights(
    specs.map((s) => s.name),
    (name) => {
      const size = shapes.get(name)!.reduce((a, b) => a * b, 1);
      const out = new Float32Array(size);
      const kind = initKind(name);
      if (kind === 'normal') fillNormal(seed, name, 0, out, 0.02);
      else if (kind === 'ones') out.fill(1);
      return out;
    },
  );
}

/** A loaded checkpoint's canonical tensors, widened to float32 one at a time on `get`. */
export function checkpointWeights(checkpoint: Checkpoint): LazyWeights {
  return new LazyWeights(
    checkpoint.specs.map((s) => s.name),
    (name) => checkpoint.tensors.get(name)!.data(),
  );
}
