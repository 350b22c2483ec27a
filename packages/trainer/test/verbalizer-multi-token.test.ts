import { LlamaModel, loadTokenizer, TrainableView } from '@meerkat/lm';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientBackend } from '../src/backend.js';
import type { EvaluationEvent, RoundEndEvent, SetupEvent, TrainerEvent } from '../src/events.js';
import { Meerkat } from '../src/meerkat.js';
import { fullGradient, groupIndices, maskedGradient } from '../src/model/parameter-gradient.js';
import { ClassificationTask } from '../src/task/classification-task.js';
import { verbalizerLoss, verbalizerLossTensor } from '../src/task/verbalizer-loss.js';
import {
  HAVE_STORIES,
  STORIES_DIR,
  STORIES_SKIP_NOTE,
  tempRunDir,
  tinyConfig,
} from '../src/testing/stories.js';

const TEMPLATE = '{text} The answer is';
/** In stories260K's vocabulary after the prompt: ' ham' is 2 tokens, ' spam' 3. */
const HAM_SPAM = { ham: ' ham', spam: ' spam' };
/** 1 and 2 tokens: rows of different lengths in one batch. */
const LILY_TIM_AND = { ham: ' Lily', spam: ' Tim and' };

const TEXTS = [
  'Meeting moved to Thursday | Hi all, the weekly sync is now on Thursday at 10.',
  'WIN A FREE CRUISE!!! | Click here now to claim your prize before it expires',
  'Re: patch for the build | Looks good to me, merging after the tests pass.',
  'Cheap meds online | Lowest prices, no prescription needed, order today',
  'lunch? | Want to grab lunch at noon?',
];
const GOLD = Uint32Array.of(0, 1, 0, 1, 0);

const SUITE = `multi-token verbalizers in the first-order loss (stories260K)${STORIES_SKIP_NOTE}`;
describe.skipIf(!HAVE_STORIES)(SUITE, () => {
  let model: LlamaModel;
  let tokenizer: ReturnType<typeof loadTokenizer>;

  beforeAll(async () => {
    const { backend } = await gradientBackend('verbalizer loss test');
    model = LlamaModel.load(STORIES_DIR, backend);
    tokenizer = loadTokenizer(STORIES_DIR);
  });

  function task(verbalizer: Record<string, string>): ClassificationTask {
    return new ClassificationTask(tokenizer, TEMPLATE, verbalizer, 40);
  }

  it('the tasks really have multi-token label words', () => {
    expect(task(HAM_SPAM).labelTokens.map((t) => t.length)).toEqual([2, 3]);
    expect(task(LILY_TIM_AND).labelTokens.map((t) => t.length)).toEqual([1, 2]);
    expect(task(HAM_SPAM).singleTokenLabels).toBe(false);
  });

  for (const [name, verbalizer] of [
    ['ham/spam (2 and 3 tokens)', HAM_SPAM],
    ['Lily/Tim and (1 and 2 tokens)', LILY_TIM_AND],
    ['Lily/Tim (single tokens)', { ham: ' Lily', spam: ' Tim' }],
  ] as const) {
    it(`the tensor loss equals verbalizerLoss: ${name}`, async () => {
      const t = task(verbalizer);
      const prompts = TEXTS.map((x) => t.encode(x));
      const forward = await verbalizerLoss(model, t, prompts, GOLD);
      const be = model.backend;
      const value = be.scope(() => verbalizerLossTensor(model, t, prompts, GOLD));
      const tensorLoss = (await be.download(value))[0]!;
      value.dispose();
      expect(Number.isFinite(forward.loss)).toBe(true);
      expect(Math.abs(tensorLoss - forward.loss)).toBeLessThan(1e-5);
      // A different gold labelling changes the loss (the score really depends on the label).
      const flipped = Uint32Array.from(GOLD, (g) => 1 - g);
      const other = await verbalizerLoss(model, t, prompts, flipped);
      expect(Math.abs(other.loss - forward.loss)).toBeGreaterThan(1e-3);
    }, 60_000);
  }

  it('its gradient at masked coordinates matches central finite differences (ham/spam)', async () => {
    const t = task(HAM_SPAM);
    const prompts = TEXTS.map((x) => t.encode(x));
    // The coordinates with the largest gradient, spread over tensors: a 4-entry "mask".
    const { gradients } = await fullGradient(model, () =>
      verbalizerLossTensor(model, t, prompts, GOLD),
    );
    const best: { flat: number; g: number }[] = [];
    let offset = 0;
    for (const spec of model.specs) {
      const g = gradients.get(spec.name)!;
      let j = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[j]!)) j = i;
      best.push({ flat: offset + j, g: g[j]! });
      offset += g.length;
    }
    best.sort((a, b) => Math.abs(b.g) - Math.abs(a.g));
    const indices = Uint32Array.from(
      best.slice(0, 4).map((b) => b.flat),
      (v) => v,
    ).sort();
    const groups = groupIndices(model, indices);
    const { gradient } = await maskedGradient(model, groups, indices.length, () =>
      verbalizerLossTensor(model, t, prompts, GOLD),
    );
    const view = await TrainableView.create(model, indices);
    const w = view.read();
    const h = 1e-2;
    for (let i = 0; i < indices.length; i++) {
      const at = (delta: number) => {
        const v = w.slice();
        v[i] = v[i]! + delta;
        view.write(v);
        return verbalizerLoss(model, t, prompts, GOLD);
      };
      const plus = (await at(h)).loss;
      const minus = (await at(-h)).loss;
      view.write(w);
      const fd = (plus - minus) / (2 * h);
      expect(Math.abs(gradient[i]!), `coordinate ${indices[i]}`).toBeGreaterThan(1e-3);
      expect(Math.abs(fd - gradient[i]!), `coordinate ${indices[i]}: fd ${fd}`).toBeLessThan(
        0.02 * Math.abs(gradient[i]!) + 1e-3,
      );
    }
  }, 120_000);
});

describe.skipIf(!HAVE_STORIES)(
  `fedavg-sgd with a multi-token verbalizer${STORIES_SKIP_NOTE}`,
  () => {
    it('completes, reports the mask energy, and lowers the training and test loss', async () => {
      const events: TrainerEvent[] = [];
      const config = tinyConfig(tempRunDir(), {
        method: 'fedavg-sgd',
        clients: 2,
        rounds: 4,
        localSteps: 3,
        partition: { kind: 'iid' },
        task: { testExamples: 40, trainExamples: 240, maxTokens: 32, verbalizer: HAM_SPAM },
        mask: { energyExamples: 4, calibration: { batches: 1, batchSize: 2, seqLen: 16 } },
        evaluation: { every: 4, testSize: 16, initial: true },
      });
      for await (const e of new Meerkat(config).run()) events.push(e);
      const setup = events[0] as SetupEvent;
      expect(setup.maskEnergy).not.toBeNull();
      expect(setup.maskEnergy!.fraction).toBeGreaterThan(0);
      const ends = events.filter((e): e is RoundEndEvent => e.type === 'round-end');
      expect(ends).toHaveLength(4);
      const train = ends.map((e) => e.metrics.trainLoss!);
      expect(train.every(Number.isFinite)).toBe(true);
      expect(train.at(-1)!).toBeLessThan(train[0]!);
      const evals = events.filter((e): e is EvaluationEvent => e.type === 'evaluation');
      expect(evals.map((e) => e.round)).toEqual([0, 4]);
      expect(evals[1]!.loss).toBeLessThan(evals[0]!.loss);
      expect(events.at(-1)!.type).toBe('done');
    }, 180_000);
  },
);
