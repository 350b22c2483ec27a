import { type RopeDims, ropeTables } from '@meerkat/tensor';
import { Leaf } from './trace.js';

interface Entry {
  readonly positions: Uint32Array;
  readonly d: number;
  readonly theta: number;
  readonly tables: readonly [Leaf, Leaf];
}

/**
 * RoPE cos/sin tables for `{ positions, theta }` as graph inputs, computed once per positions
 * array: a forward calls `rope` twice per layer with the same positions, and every call then
 * feeds the same two leaves (one graph input each). An entry is reused only while the array's
 * contents are unchanged.
 */
export class RopeTableCache {
  readonly #entries = new WeakMap<Uint32Array, Entry[]>();

  get(positions: Uint32Array, r: RopeDims, theta: number): readonly [Leaf, Leaf] {
    const list = this.#entries.get(positions) ?? [];
    for (const e of list) {
      if (e.d === r.d && e.theta === theta && sameValues(e.positions, positions)) return e.tables;
    }
    const { cos, sin } = ropeTables(positions, r.d, theta);
    const shape = r.perBatch ? [r.b, r.s, r.d / 2] : [r.s, r.d / 2];
    const tables = [new Leaf('float32', shape, cos), new Leaf('float32', shape, sin)] as const;
    list.push({ positions: positions.slice(), d: r.d, theta, tables });
    this.#entries.set(positions, list);
    return tables;
  }
}

function sameValues(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
