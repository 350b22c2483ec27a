import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { causalLmLoss, LlamaModel } from '@meerkat/lm';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from '../src/index.js';

/**
 * The real pretrained stories260K model, through @meerkat/lm's loader and decoder, on each
 * TensorFlow.js engine available here, against golden.json (an independent PyTorch forward).
 */
const STORIES_DIR = fileURLToPath(
  new URL('../../../../shared/models/stories260K', import.meta.url),
);
const HAVE_STORIES = existsSync(STORIES_DIR);
const V = 512;

interface GoldenCase {
  readonly ids: number[];
  readonly last_logits: number[];
  readonly argmax_per_position: number[];
  readonly mean_nll: number;
}

describe.skipIf(!HAVE_STORIES)(
  `stories260K golden logits on TensorFlow.js${HAVE_STORIES ? '' : ` [SKIPPED: ${STORIES_DIR} not found]`}`,
  () => {
    const golden = HAVE_STORIES
      ? (JSON.parse(readFileSync(`${STORIES_DIR}/golden.json`, 'utf8')) as {
          cases: GoldenCase[];
        })
      : { cases: [] };

    it.each(['wasm', 'cpu'] as const)(
      'tfjs:%s: last logits within 1e-4, argmax per position and mean NLL agree',
      async (engine) => {
        const backend = await createTfjsBackend(engine);
        const model = LlamaModel.load(STORIES_DIR, backend);
        let worstLogit = 0;
        let worstNll = 0;
        for (const c of golden.cases) {
          const ids = Uint32Array.from(c.ids);
          const t = model.forward(ids, [1, ids.length], { logits: 'all' });
          const all = await backend.download(t);
          t.dispose();
          const last = all.subarray((ids.length - 1) * V);
          for (let i = 0; i < V; i++) {
            worstLogit = Math.max(worstLogit, Math.abs(last[i]! - c.last_logits[i]!));
          }
          const argmax: number[] = [];
          for (let p = 0; p < ids.length; p++) {
            let best = 0;
            for (let i = 1; i < V; i++) if (all[p * V + i]! > all[p * V + best]!) best = i;
            argmax.push(best);
          }
          expect(argmax).toEqual(c.argmax_per_position);
          const loss = await causalLmLoss(model, ids, [1, ids.length]);
          worstNll = Math.max(worstNll, Math.abs(loss.mean - c.mean_nll));
        }
        console.log(
          `tfjs:${engine} stories260K: max |logit − golden| ${worstLogit.toExponential(2)}, max |mean NLL − golden| ${worstNll.toExponential(2)}`,
        );
        expect(worstLogit).toBeLessThan(1e-4);
        expect(worstNll).toBeLessThan(1e-4);
      },
    );
  },
);
