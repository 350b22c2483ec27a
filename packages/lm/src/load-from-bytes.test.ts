import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Backend, createBackend } from '@meerkat/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectLmError } from '../test/expect-lm-error.js';
import { checkpointFromBytes, loadModelFromBytes } from './load-from-bytes.js';
import { LlamaModel } from './model.js';
import { GOLDEN } from './testing/golden.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './testing/model-dir.js';
import { loadTokenizer } from './tokenizer.js';

describe.skipIf(!HAVE_STORIES)(`loadModelFromBytes on stories260K${STORIES_SKIP_NOTE}`, () => {
  const read = (name: string) => readFileSync(join(STORIES_DIR, name));
  let backend: Backend;
  let configText: string;
  let weights: Uint8Array;
  beforeAll(async () => {
    backend = await createBackend('reference:cpu');
    configText = read('config.json').toString('utf8');
    weights = new Uint8Array(read('model.safetensors'));
  });

  it('gives bit-identical logits to LlamaModel.load and the same ids as loadTokenizer', async () => {
    const loaded = loadModelFromBytes(
      {
        config: configText,
        weights: Uint8Array.from(weights).buffer, // an ArrayBuffer, as fetch() gives
        tokenizer: JSON.parse(read('tokenizer.json').toString('utf8')) as object,
        tokenizerConfig: read('tokenizer_config.json').toString('utf8'),
      },
      backend,
    );
    const reference = LlamaModel.load(STORIES_DIR, backend);
    const golden = GOLDEN!.cases[0]!;
    expect(loaded.tokenizer!.encode(golden.text)).toEqual(
      loadTokenizer(STORIES_DIR).encode(golden.text),
    );
    expect(loaded.tokenizer!.encode(golden.text)).toEqual(golden.ids);
    expect(loaded.checkpoint.parameterCount).toBe(260_032);
    const ids = Uint32Array.from(golden.ids);
    const logits = async (m: LlamaModel) => {
      const t = m.forward(ids, [1, ids.length], { logits: 'last' });
      const out = await backend.download(t);
      t.dispose();
      return out;
    };
    const a = await logits(loaded.model);
    expect(a).toEqual(await logits(reference));
    let maxDiff = 0;
    a.forEach((v, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - golden.last_logits[i]!));
    });
    expect(maxDiff).toBeLessThan(1e-4);
    loaded.model.dispose();
    reference.dispose();
  });

  it('loads without a tokenizer', () => {
    const loaded = loadModelFromBytes(
      { config: JSON.parse(configText) as object, weights },
      backend,
    );
    expect(loaded.tokenizer).toBeNull();
    loaded.model.dispose();
  });

  it('names the source in typed errors', () => {
    expectLmError(
      () =>
        checkpointFromBytes({
          config: '{ not json',
          weights,
          sources: { config: 'https://host/config.json' },
        }),
      'LM_CONFIG_INVALID',
      'https://host/config.json',
      'not valid JSON',
    );
    const sixLayers = JSON.stringify({ ...JSON.parse(configText), num_hidden_layers: 6 });
    expectLmError(
      () =>
        checkpointFromBytes({ config: sixLayers, weights, sources: { weights: 'my.safetensors' } }),
      'LM_MISSING_TENSOR',
      'my.safetensors',
      'model.layers.5.',
    );
    expectLmError(
      () => checkpointFromBytes({ config: configText, weights: weights.subarray(0, 1000) }),
      'SAFETENSORS_TRUNCATED',
      'model.safetensors',
    );
    expectLmError(
      () =>
        loadModelFromBytes(
          { config: configText, weights, tokenizer: '[1,', sources: { tokenizer: 'tok.json' } },
          backend,
        ),
      'LM_TOKENIZER_INVALID',
      'tok.json',
    );
  });
});
