import { crc32, fillHashStreamNormal, hashStreamWord } from '@meerkat/seeded';
import { describe, expect, it } from 'vitest';
import { fillNormal, randomWord } from './random-init.js';

describe('random initialisation stream', () => {
  it("is @meerkat/seeded's counter-hash stream (its tests cover the stream itself)", () => {
    expect(fillNormal).toBe(fillHashStreamNormal);
    expect(randomWord).toBe(hashStreamWord);
  });

  it('writes the weights it wrote before the stream moved to @meerkat/seeded', () => {
    // A 4096-element slice of a q_proj weight, as random checkpoints write it (CRC-32 of its bytes).
    const slice = new Float32Array(4096);
    fillNormal(2026, 'model.layers.0.self_attn.q_proj.weight', 1000, slice, 0.02);
    expect(crc32(new Uint8Array(slice.buffer))).toBe(4126523386);
    expect(slice[0]).toBe(0.011227570474147797);
    expect(randomWord(2026, 'model.embed_tokens.weight', 4095)).toBe(39798454);
  });
});
