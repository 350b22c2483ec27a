import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '../test/model-dir.js';
import { loadCheckpoint } from './checkpoint.js';
import { LmError } from './errors.js';
import { parameterCount } from './layout.js';
import { loadSafetensorsFile } from './safetensors-node.js';
import { encodeSafetensors } from './safetensors-writer.js';

function expectLmError(fn: () => unknown, code: string, ...parts: string[]): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LmError);
    expect((e as LmError).code).toBe(code);
    for (const p of parts) expect((e as LmError).message).toContain(p);
    return;
  }
  throw new Error(`expected LmError ${code}`);
}

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
