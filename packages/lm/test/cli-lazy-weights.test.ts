import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint.js';
import { checkpointWeights, seededWeights } from '../src/cli/lazy-weights.js';
import { parameterSpecs } from '../src/layout.js';
import { presetConfig } from '../src/presets.js';
import { writeRandomCheckpoint } from '../src/random-checkpoint.js';

/** Bit-for-bit equality (fast; toEqual walks element by element). */
function sameBits(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

describe('the lazily made weights meerkat-lm bench uploads', { timeout: 60_000 }, () => {
  it('seededWeights equals what writeRandomCheckpoint writes for the same seed, bit for bit', () => {
    const config = presetConfig('stories260K');
    const dir = mkdtempSync(join(tmpdir(), 'meerkat-lazy-'));
    try {
      writeRandomCheckpoint(dir, config, { seed: 7, chunkElements: 1000 });
      const ckpt = loadCheckpoint(dir);
      const lazy = seededWeights(config, 7);
      const fromFile = checkpointWeights(ckpt);
      expect(lazy.size).toBe(parameterSpecs(config).length);
      expect([...lazy.keys()]).toEqual(parameterSpecs(config).map((s) => s.name));
      for (const [name, values] of lazy) {
        expect(sameBits(values, ckpt.tensors.get(name)!.data()), name).toBe(true);
        expect(sameBits(fromFile.get(name), values), name).toBe(true);
      }
      expect(lazy.get('lm_head.weight')).toBeUndefined(); // tied: not a canonical tensor
      expect(lazy.has('model.norm.weight')).toBe(true);
      const embed = 'model.embed_tokens.weight';
      expect(sameBits(seededWeights(config, 8).get(embed), lazy.get(embed))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes a fresh array on every get (nothing is kept alive by the map)', () => {
    const lazy = seededWeights(presetConfig('stories260K'), 1);
    const a = lazy.get('model.layers.0.self_attn.q_proj.weight')!;
    const b = lazy.get('model.layers.0.self_attn.q_proj.weight')!;
    expect(a).not.toBe(b);
    expect(sameBits(a, b)).toBe(true);
  });
});
