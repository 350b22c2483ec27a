import { File } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LmError } from '@meerkat/lm';
import { type Backend, createReferenceBackend } from '@meerkat/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '../test/stories.js';
import { BrowserClientError } from './errors.js';
import { type FetchModelOptions, loadModelFromFiles, loadModelFromUrls } from './load-model.js';

const MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

describe.skipIf(!HAVE_STORIES)(`browser model loaders on stories260K${STORIES_SKIP_NOTE}`, () => {
  let backend: Backend;
  const bytes = new Map<string, Buffer>();
  const golden = () =>
    (
      JSON.parse(readFileSync(join(STORIES_DIR, 'golden.json'), 'utf8')) as {
        cases: { text: string; ids: number[]; last_logits: number[] }[];
      }
    ).cases[0]!;

  beforeAll(() => {
    backend = createReferenceBackend();
    for (const name of [...MODEL_FILES, 'README.md'])
      bytes.set(name, readFileSync(join(STORIES_DIR, name)));
  });

  /** A fetch over the model files at https://models.test/stories/NAME, with optional overrides. */
  function fakeFetch(
    overrides: Record<string, number | string> = {},
  ): NonNullable<FetchModelOptions['fetch']> {
    return async (url) => {
      const name = url.replace('https://models.test/stories/', '');
      const override = overrides[name];
      if (override === 'network') throw new TypeError('Failed to fetch');
      const body = typeof override === 'string' ? Buffer.from(override) : bytes.get(name);
      const status = typeof override === 'number' ? override : body === undefined ? 404 : 200;
      return new Response(status === 200 ? body! : null, {
        status,
        statusText: status === 200 ? 'OK' : 'Not Found',
      });
    };
  }
  const urls = (names = MODEL_FILES) => {
    const at = (n: string) => `https://models.test/stories/${n}`;
    return {
      config: at(names[0]!),
      weights: at(names[1]!),
      tokenizer: at(names[2]!),
      tokenizerConfig: at(names[3]!),
    };
  };

  it('loadModelFromUrls builds the model and tokenizer (golden ids and last logits)', async () => {
    const loaded = await loadModelFromUrls(urls(), backend, { fetch: fakeFetch() });
    const c = golden();
    expect(loaded.tokenizer!.encode(c.text)).toEqual(c.ids);
    const ids = Uint32Array.from(c.ids);
    const t = loaded.model.forward(ids, [1, ids.length], { logits: 'last' });
    const logits = await backend.download(t);
    t.dispose();
    let maxDiff = 0;
    logits.forEach((v, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - c.last_logits[i]!));
    });
    expect(maxDiff).toBeLessThan(1e-4);
    loaded.model.dispose();
  });

  it('loadModelFromUrls names the URL of a file that fails or is malformed', async () => {
    const missing = await rejection(
      loadModelFromUrls(urls(), backend, { fetch: fakeFetch({ 'tokenizer.json': 404 }) }),
    );
    expect(missing).toBeInstanceOf(BrowserClientError);
    expect((missing as BrowserClientError).code).toBe('BROWSER_FETCH_FAILED');
    expect(missing.message).toContain('https://models.test/stories/tokenizer.json answered 404');
    const offline = await rejection(
      loadModelFromUrls(urls(), backend, { fetch: fakeFetch({ 'model.safetensors': 'network' }) }),
    );
    expect((offline as BrowserClientError).code).toBe('BROWSER_FETCH_FAILED');
    expect(offline.message).toContain('Failed to fetch');
    const malformed = await rejection(
      loadModelFromUrls(urls(), backend, {
        fetch: fakeFetch({ 'config.json': '{"model_type": "gpt2"}' }),
      }),
    );
    expect(malformed).toBeInstanceOf(LmError);
    expect((malformed as LmError).code).toBe('LM_CONFIG_INVALID');
    expect(malformed.message).toContain('https://models.test/stories/config.json');
  });

  it('loadModelFromFiles picks the model files by name and ignores the rest', async () => {
    const files = [...bytes].map(([name, b]) => new File([b], name));
    const loaded = await loadModelFromFiles(files.reverse(), backend);
    expect(loaded.checkpoint.parameterCount).toBe(260_032);
    expect(loaded.tokenizer!.encode(golden().text)).toEqual(golden().ids);
    loaded.model.dispose();
    const withoutTokenizer = await loadModelFromFiles(
      files.filter((f) => !f.name.startsWith('tokenizer')),
      backend,
    );
    expect(withoutTokenizer.tokenizer).toBeNull();
    withoutTokenizer.model.dispose();
  });

  it('loadModelFromFiles says which files are missing', async () => {
    const file = (name: string) => new File([bytes.get(name) ?? ''], name);
    const noConfig = await rejection(
      loadModelFromFiles([file('model.safetensors'), file('README.md')], backend),
    );
    expect((noConfig as BrowserClientError).code).toBe('BROWSER_MISSING_FILE');
    expect(noConfig.message).toContain(
      'needs config.json; it was given model.safetensors, README.md',
    );
    const shards = await rejection(
      loadModelFromFiles(
        [file('config.json'), file('a.safetensors'), file('b.safetensors')],
        backend,
      ),
    );
    expect(shards.message).toContain('sharded checkpoints are not supported');
    expect((await rejection(loadModelFromFiles([], backend))).message).toContain('given no files');
  });
});
