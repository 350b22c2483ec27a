import type { CliCommand } from '@meerkat/cli-kit';
import { greedyGenerate } from '../greedy-generate.js';
import { LlamaModel } from '../model.js';
import { loadTokenizer } from '../tokenizer.js';
import { BACKEND_FLAG, JSON_FLAG, MODEL_FLAG, TEXT_FLAG } from './common-flags.js';
import { resolveModelArg } from './model-arg.js';
import { openBackend } from './open-backend.js';
import { promptIds } from './prompt-ids.js';

/**
 * `meerkat-lm generate`: greedy decoding (argmax each step, ties to the lower id) with
 * `greedyGenerate`, stopping early at the tokenizer's EOS unless `--ignore-eos`. Prints the
 * decoded text (prompt + continuation, special tokens dropped); `--json` prints
 * `{"ids":[…],"new_ids":[…],"text":"…"}` where `ids` is prompt + continuation, as golden.json's
 * `greedy.ids`.
 */
export const generateCommand: CliCommand = {
  spec: {
    name: 'generate',
    summary:
      'Greedy continuation of a text (a sanity tool: no KV cache, each step reruns the whole sequence).',
    flags: [
      MODEL_FLAG,
      TEXT_FLAG,
      {
        name: 'max-new-tokens',
        type: 'integer',
        min: 0,
        max: 100000,
        required: true,
        description: 'how many tokens to append at most',
      },
      BACKEND_FLAG,
      JSON_FLAG,
      {
        name: 'ignore-eos',
        type: 'boolean',
        description: "keep going after the tokenizer's EOS token instead of stopping there",
      },
    ],
    details: [
      '--json prints {"ids":[…],"new_ids":[…],"text":"…"}: ids = prompt ids (BOS included when the',
      'tokenizer adds it) + the greedy continuation; text = all of it decoded, special tokens dropped.',
      '',
      'Example: meerkat-lm generate --model stories15M --text "Once upon a time" --max-new-tokens 40',
    ],
  },
  async run(flags, io) {
    const dir = (await resolveModelArg(flags.string('model'), io, 'generate')).dir;
    const tokenizer = loadTokenizer(dir);
    const prompt = promptIds(tokenizer, flags.string('text'));
    const backend = await openBackend(flags.string('backend'), 'generate');
    const model = LlamaModel.load(dir, backend);
    try {
      const eos = flags.boolean('ignore-eos') ? null : tokenizer.eosTokenId;
      const ids = await greedyGenerate(
        model,
        prompt,
        flags.number('max-new-tokens'),
        eos === null ? {} : { eosTokenId: eos },
      );
      const all = Array.from(ids);
      const text = tokenizer.decode(all, { skipSpecialTokens: true });
      if (flags.boolean('json')) {
        io.stdout.write(
          `${JSON.stringify({ ids: all, new_ids: all.slice(prompt.length), text })}\n`,
        );
      } else io.stdout.write(`${text}\n`);
    } finally {
      model.dispose();
    }
    return 0;
  },
};
