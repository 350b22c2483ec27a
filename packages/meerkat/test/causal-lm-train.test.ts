import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { causalLmLoss, LlamaModel, loadTokenizer, TrainableView } from '@meerkat/lm';
import type { Backend } from '@meerkat/tensor';
import type { EvaluationEvent, RoundMetrics, RunSummary, TrainerEvent } from '@meerkat/trainer';
import {
  decodeTrainerCheckpoint,
  gradientBackend,
  loadTaskSplit,
  Meerkat,
  parseRunConfig,
} from '@meerkat/trainer';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE, tempRunDir } from '@meerkat/trainer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeSummary } from '../src/cli/train-driver.js';

const PRESIDENTS = ['John F Kennedy', 'Gerald R Ford', 'Joseph R Biden'];
const SEQ_LEN = 48;

/** Federated domain adaptation on SOTU: one client per president, next-token loss. */
function sotuConfig(runDir: string, overrides: Record<string, unknown> = {}) {
  return {
    model: STORIES_DIR,
    runDir,
    seed: 3,
    clients: 3,
    batchSize: 8,
    partition: { kind: 'groups' },
    task: {
      kind: 'causal-lm',
      data: { source: 'sotu', presidents: PRESIDENTS },
      seqLen: SEQ_LEN,
      chunkChars: 96,
      testExamples: 48,
      trainExamples: 300,
    },
    evaluation: { every: 2, testSize: 48, batchSize: 16 },
    ...overrides,
  };
}

/**
 * The independent check: the held-out chunks' perplexity from `@meerkat/lm`'s `causalLmLoss`,
 * one unpadded window at a time on another backend (TensorFlow.js), token-weighted, with θ
 * written at the mask.
 */
async function referencePerplexity(
  backend: Backend,
  runDir: string,
  theta: Float32Array | null,
  indices: Uint32Array,
): Promise<number> {
  const config = parseRunConfig(sotuConfig(runDir));
  const split = loadTaskSplit(config.task, [], BigInt(config.seed));
  const tokenizer = loadTokenizer(STORIES_DIR);
  const model = LlamaModel.load(STORIES_DIR, backend);
  try {
    if (theta !== null) (await TrainableView.create(model, indices)).write(theta);
    let nll = 0;
    let tokens = 0;
    for (const e of split.test.slice(0, config.evaluation.testSize)) {
      const ids = Uint32Array.from(tokenizer.encode(e.text).slice(0, SEQ_LEN));
      const r = await causalLmLoss(model, ids, [1, ids.length]);
      nll += r.mean * r.targetCount;
      tokens += r.targetCount;
    }
    return Math.exp(nll / tokens);
  } finally {
    model.dispose();
  }
}

async function train(config: Record<string, unknown>) {
  const trainer = new Meerkat(config);
  const events: TrainerEvent[] = [];
  for await (const e of trainer.run()) events.push(e);
  const runDir = String(config.runDir);
  const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RoundMetrics);
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
  return { trainer, events, metrics, summary };
}

describe.skipIf(!HAVE_STORIES)(
  `causal-LM task on stories260K: SOTU by president, held-out perplexity${STORIES_SKIP_NOTE}`,
  () => {
    let reference: Backend;
    beforeAll(async () => {
      reference = (await gradientBackend('reference perplexity')).backend;
    });

    it('full-parameter ZO lowers the held-out perplexity, which matches causalLmLoss', async () => {
      const runDir = tempRunDir('meerkat-clm-');
      const { trainer, events, metrics, summary } = await train(
        sotuConfig(runDir, { method: 'full-zo', lr: 2e-4, rounds: 2, localSteps: 5 }),
      );
      const setup = events.find((e) => e.type === 'setup')!;
      expect(setup.type === 'setup' && setup.clients.map((c) => c.id).sort()).toEqual([
        'gerald-r-ford',
        'john-f-kennedy',
        'joseph-r-biden',
      ]);
      const evals = events.filter((e): e is EvaluationEvent => e.type === 'evaluation');
      expect(evals.map((e) => e.round)).toEqual([0, 2]);
      for (const e of evals) {
        expect(e.accuracy).toBeNull();
        expect(e.examples).toBe(48);
        expect(e.perplexity).toBeCloseTo(Math.exp(e.loss), 9);
      }
      // metrics.jsonl: perplexity on evaluated rounds, null otherwise; accuracy always null.
      expect(metrics.map((m) => [m.accuracy, m.perplexity])).toEqual([
        [null, null],
        [null, evals[1]!.perplexity],
      ]);
      expect(summary).toMatchObject({
        initialAccuracy: null,
        finalAccuracy: null,
        initialPerplexity: evals[0]!.perplexity,
        finalPerplexity: evals[1]!.perplexity,
        finalLoss: evals[1]!.loss,
      });
      // The checkpoint keeps both, so a resumed run reports the same initial perplexity.
      const { state } = decodeTrainerCheckpoint(
        new Uint8Array(readFileSync(join(runDir, 'checkpoint.bin'))),
      );
      expect(state.initialPerplexity).toBe(summary.initialPerplexity);
      expect(state.lastEvaluation?.perplexity).toBe(summary.finalPerplexity);
      expect(summary.clients.every((c) => Object.keys(c.labels).length === 0)).toBe(true);
      expect(summary.finalPerplexity!).toBeLessThan(0.97 * summary.initialPerplexity!);
      expect(describeSummary(summary, runDir)).toContain(
        `held-out perplexity ${summary.initialPerplexity!.toPrecision(4).replace(/\.?0+$/, '')} →`,
      );

      // The independent check, before and after training (full ZO: θ is every parameter).
      const all = Uint32Array.from({ length: trainer.theta!.length }, (_, i) => i);
      const before = await referencePerplexity(reference, runDir, null, all);
      const after = await referencePerplexity(reference, runDir, trainer.theta!, all);
      expect(before / summary.initialPerplexity!).toBeCloseTo(1, 4);
      expect(after / summary.finalPerplexity!).toBeCloseTo(1, 4);
    }, 60_000);

    it('fedavg-sgd trains the same task through the loss tensor (first order)', async () => {
      const runDir = tempRunDir('meerkat-clm-sgd-');
      const { metrics, summary } = await train(
        sotuConfig(runDir, {
          method: 'fedavg-sgd',
          lr: 0.5,
          rounds: 2,
          localSteps: 3,
          mask: { density: 1e-2, calibration: { batches: 1, batchSize: 2, seqLen: 32 } },
        }),
      );
      expect(metrics).toHaveLength(2);
      expect(metrics.every((m) => m.trainLoss !== null && Number.isFinite(m.trainLoss))).toBe(true);
      expect(summary.finalPerplexity!).toBeLessThan(summary.initialPerplexity!);
    }, 60_000);
  },
);
