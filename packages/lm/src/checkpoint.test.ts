import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectLmError } from '../test/expect-lm-error.js';
import { loadCheckpoint } from './checkpoint.js';
import { parameterCount } from './layout.js';
import { loadSafetensorsFile } from './safetensors-node.js';
import { encodeSafetensors } from './safetensors-writer.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './testing/model-dir.js';

describe.skipIf(!HAVE_STORIES)(`loadCheckpoint on stories260K${STORIES_SKIP_NOTE}`, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'meerkat-lm-ckpt-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('finds every tensor with the right shape; the count equals the sum over the file', () => {
    const ckpt = loadCheckpoint(STORIES_DIR);
    expect(ckpt.config.numHiddenLayers).toBe(5);
    expect(ckpt.specs.length).toBe(47);
    expect(ckpt.tensors.has('lm_head.weight')).toBe(false);
    const file = loadSafetensorsFile(join(STORIES_DIR, 'model.safetensors'));
    let sum = 0;
    for (const t of file.tensors.values()) sum += t.size;
    expect(file.tensors.size).toBe(47);
    expect(ckpt.parameterCount).toBe(sum);
    expect(ckpt.parameterCount).toBe(260032);
    expect(parameterCount(ckpt.config)).toBe(260032);
    for (const t of file.tensors.values()) expect(t.dtype).toBe('F32');
    const norm = ckpt.tensors.get('model.norm.weight')!.data();
    expect(norm.length).toBe(64);
    expect(norm.every(Number.isFinite)).toBe(true);
  });

  it('loads the same weights from F16 / BF16 copies and from a two-shard index', () => {
    const ref = loadCheckpoint(STORIES_DIR);
    const inputs = ref.specs.map((s) => ({
      name: s.name,
      shape: s.shape,
      data: ref.tensors.get(s.name)!.data(),
    }));
    for (const [dtype, relErr] of [
      ['F16', 2 ** -11],
      ['BF16', 2 ** -8],
    ] as const) {
      const d = mkdtempSync(join(tmp, `${dtype}-`));
      copyFileSync(join(STORIES_DIR, 'config.json'), join(d, 'config.json'));
      writeFileSync(
        join(d, 'model.safetensors'),
        encodeSafetensors(inputs.map((t) => ({ ...t, dtype }))),
      );
      const c = loadCheckpoint(d);
      expect(c.parameterCount).toBe(260032);
      let violations = 0;
      for (const t of inputs) {
        const got = c.tensors.get(t.name)!.data();
        for (let k = 0; k < got.length; k++) {
          const want = t.data[k]!;
          // Relative rounding error; values below F16's normal range get an absolute bound.
          if (Math.abs(got[k]! - want) > Math.max(Math.abs(want) * relErr, 2 ** -25)) violations++;
        }
      }
      expect(violations).toBe(0);
    }
    const d = mkdtempSync(join(tmp, 'sharded-'));
    copyFileSync(join(STORIES_DIR, 'config.json'), join(d, 'config.json'));
    const half = 20;
    writeFileSync(
      join(d, 'model-00001-of-00002.safetensors'),
      encodeSafetensors(inputs.slice(0, half)),
    );
    writeFileSync(
      join(d, 'model-00002-of-00002.safetensors'),
      encodeSafetensors(inputs.slice(half)),
    );
    const weightMap = Object.fromEntries(
      inputs.map((t, i) => [t.name, `model-0000${i < half ? 1 : 2}-of-00002.safetensors`]),
    );
    writeFileSync(
      join(d, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: weightMap }),
    );
    const sharded = loadCheckpoint(d);
    expect(sharded.parameterCount).toBe(260032);
    for (const t of inputs) expect(sharded.tensors.get(t.name)!.data()).toEqual(t.data);
  });

  it('a truncated copy of the real file names the cut tensor and the file', () => {
    const bytes = readFileSync(join(STORIES_DIR, 'model.safetensors'));
    const cut = join(tmp, 'cut.safetensors');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    expectLmError(() => loadSafetensorsFile(cut), 'SAFETENSORS_TRUNCATED', 'cut.safetensors', '"');
  });

  it('rejects a checkpoint whose config disagrees, naming tensor and file', () => {
    const cfg = JSON.parse(readFileSync(join(STORIES_DIR, 'config.json'), 'utf8'));
    const d = mkdtempSync(join(tmp, 'six-layers-'));
    writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 6 }));
    copyFileSync(join(STORIES_DIR, 'model.safetensors'), join(d, 'model.safetensors'));
    expectLmError(
      () => loadCheckpoint(d),
      'LM_MISSING_TENSOR',
      '"model.layers.5.input_layernorm.weight"',
      join(d, 'model.safetensors'),
    );
  });
});

describe('loadCheckpoint on synthetic directories', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'meerkat-lm-ckpt2-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const config = {
    model_type: 'qwen2',
    hidden_size: 8,
    intermediate_size: 12,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    vocab_size: 10,
  };

  it('reports missing files and wrong shapes with the file name', () => {
    const d = mkdtempSync(join(tmp, 'a-'));
    expectLmError(() => loadCheckpoint(d), 'LM_FILE_NOT_FOUND', 'config.json');
    writeFileSync(join(d, 'config.json'), '{');
    expectLmError(() => loadCheckpoint(d), 'LM_CONFIG_INVALID', 'config.json');
    writeFileSync(join(d, 'config.json'), JSON.stringify(config));
    expectLmError(() => loadCheckpoint(d), 'LM_FILE_NOT_FOUND', 'model.safetensors');
    writeFileSync(
      join(d, 'model.safetensors'),
      encodeSafetensors([
        { name: 'model.embed_tokens.weight', shape: [10, 7], data: new Float32Array(70) },
      ]),
    );
    expectLmError(
      () => loadCheckpoint(d),
      'LM_SHAPE_MISMATCH',
      '"model.embed_tokens.weight"',
      join(d, 'model.safetensors'),
    );
  });
});
