import { resolve } from 'node:path';
import type { CliCommand } from '@meerkat/cli-kit';
import { LmError } from '../errors.js';
import { convertLlama2c, findLlama2cTokenizer } from '../llama2c/convert-llama2c.js';
import { openLlama2cCheckpoint } from '../llama2c/llama2c-checkpoint.js';
import { JSON_FLAG } from './common-flags.js';

/** `meerkat-lm convert`: a llama2.c checkpoint + tokenizer.bin to a Hugging Face model directory. */
export const convertCommand: CliCommand = {
  spec: {
    name: 'convert',
    summary:
      'Convert a llama2.c checkpoint (legacy .bin) and its tokenizer.bin to a Hugging Face model directory: config.json, model.safetensors, tokenizer.json, tokenizer_config.json.',
    flags: [
      {
        name: 'checkpoint',
        type: 'string',
        valueName: 'FILE.bin',
        required: true,
        description:
          'llama2.c checkpoint in its legacy format (export.py --version 0), e.g. stories15M.bin',
      },
      {
        name: 'tokenizer',
        type: 'string',
        valueName: 'FILE.bin',
        description:
          'llama2.c tokenizer.bin (default: tok<vocab>.bin or tokenizer.bin beside the checkpoint)',
      },
      {
        name: 'out',
        type: 'string',
        valueName: 'DIR',
        required: true,
        description: 'output directory (created; files of the same names are replaced)',
      },
      JSON_FLAG,
    ],
    details: [
      "q/k projections are permuted from llama2.c's interleaved RoPE pairs to the rotate-half layout",
      'Hugging Face uses; a positive vocab_size in the header means tied embeddings (no lm_head).',
      'The tokenizer becomes a Llama-2-style tokenizer.json (BPE with byte fallback, merges from the',
      "pieces' scores). --model FILE.bin does the same conversion once, into the cache.",
      '',
      'Example: meerkat-lm convert --checkpoint stories15M.bin --tokenizer tokenizer.bin --out stories15M-hf',
    ],
  },
  async run(flags, io) {
    const checkpoint = resolve(flags.string('checkpoint'));
    const given = flags.optionalString('tokenizer');
    let tokenizer: string | null;
    if (given !== undefined) tokenizer = resolve(given);
    else {
      const probe = openLlama2cCheckpoint(checkpoint);
      const vocab = probe.header.vocabSize;
      probe.close();
      tokenizer = findLlama2cTokenizer(checkpoint, vocab);
      if (tokenizer === null) {
        throw new LmError(
          'LM_FILE_NOT_FOUND',
          `no tok${vocab}.bin or tokenizer.bin beside ${checkpoint}; pass --tokenizer FILE.bin.`,
        );
      }
    }
    const out = resolve(flags.string('out'));
    const started = performance.now();
    const converted = convertLlama2c({ checkpoint, tokenizer, out });
    const seconds = (performance.now() - started) / 1000;
    if (flags.boolean('json')) {
      io.stdout.write(
        `${JSON.stringify({ dir: out, files: converted.files, parameters: converted.parameterCount, tokenizer, seconds })}\n`,
      );
    } else {
      const c = converted.config;
      io.stdout.write(
        [
          `${out}: ${converted.files.join(', ')}`,
          `${c.architecture}: hidden ${c.hiddenSize}, ${c.numHiddenLayers} layers, ${c.numAttentionHeads}/${c.numKeyValueHeads} heads, vocab ${c.vocabSize}, ${c.tieWordEmbeddings ? 'tied' : 'separate'} lm_head; ${converted.parameterCount.toLocaleString('en-US')} parameters`,
          `tokenizer from ${tokenizer}; converted in ${seconds.toFixed(1)} s`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  },
};
