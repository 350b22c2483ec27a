import type { CliCommand } from '@meerkat/cli-kit';
import { parameterCount } from '../layout.js';
import { LlamaModel } from '../model.js';
import { loadTokenizer } from '../tokenizer.js';
import { BACKEND_FLAG, JSON_FLAG, MODEL_FLAG, TEXT_FLAG } from './common-flags.js';
import { formatLogitsSummary } from './logits-summary.js';
import { modelLabel, resolveModelArg } from './model-arg.js';
import { openBackend } from './open-backend.js';
import { promptIds } from './prompt-ids.js';
import { topK } from './top-k.js';

/**
 * `meerkat-lm logits`: one forward over the encoded text; `--json` prints exactly
 * `{"ids":[…],"last_logits":[…]}` (the layout of golden.json's cases), otherwise a top-k table.
 */
export const logitsCommand: CliCommand = {
  spec: {
    name: 'logits',
    summary: 'Next-token logits of a text at its last position (one forward pass, no sampling).',
    flags: [
      MODEL_FLAG,
      TEXT_FLAG,
      BACKEND_FLAG,
      JSON_FLAG,
      {
        name: 'top',
        type: 'integer',
        min: 1,
        default: 10,
        description: 'how many of the largest logits the readable output lists',
      },
    ],
    details: [
      '--json prints {"ids":[…],"last_logits":[…]}: the prompt ids (BOS included when the',
      'tokenizer adds it) and all vocab_size logits at the last position, as float32 values.',
      '',
      'Example: meerkat-lm logits --model stories15M --text "Once upon a time" --json',
    ],
  },
  async run(flags, io) {
    const spec = flags.string('model');
    const resolved = await resolveModelArg(spec, io, 'logits');
    const dir = resolved.dir;
    const tokenizer = loadTokenizer(dir);
    const ids = promptIds(tokenizer, flags.string('text'));
    const backend = await openBackend(flags.string('backend'), 'logits');
    const model = LlamaModel.load(dir, backend);
    try {
      const logits = model.forward(ids, [1, ids.length], { logits: 'last' });
      const row = await backend.download(logits);
      logits.dispose();
      if (flags.boolean('json')) {
        io.stdout.write(
          `${JSON.stringify({ ids: Array.from(ids), last_logits: Array.from(row) })}\n`,
        );
      } else {
        const c = model.config;
        const params = parameterCount(c);
        io.stdout.write(
          formatLogitsSummary({
            modelLine: `${modelLabel(spec, resolved)} (${c.architecture}, ${params.toLocaleString('en-US')} parameters) on ${backend.name}`,
            text: flags.string('text'),
            ids,
            top: topK(row, flags.number('top')),
            tokenizer,
          }),
        );
      }
    } finally {
      model.dispose();
    }
    return 0;
  },
};
