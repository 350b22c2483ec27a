import { causalLmLoss, type LlamaModel, type LmTokenizer, nextTokenTargets } from '@meerkat/lm';
import type { Tensor } from '@meerkat/tensor';
import type { LabeledExample } from '../data/labeled-example.js';
import { MeerkatError } from '../errors.js';
import type { TaskEvaluation, TrainingTask } from './training-task.js';

/** A right-padded batch of token windows: ids, mask (null when no window is padded), shape. */
export interface WindowBatch {
  readonly ids: Uint32Array;
  readonly mask: Uint32Array | null;
  readonly shape: [number, number];
}

/**
 * Causal-LM fine-tuning on text (domain adaptation): every example is one window of at most
 * `seqLen` tokens (the tokenizer's BOS first, then the chunk's first tokens), and the loss of a
 * batch is the mean next-token cross-entropy over its real (non-pad) target tokens, computed by
 * `@meerkat/lm`'s `causalLmLoss` (`nextTokenTargets` for the tensor form). Perplexity is
 * exp(mean token NLL) over every held-out target. Labels are ignored. Windows are cached per text.
 */
export class CausalLmTask implements TrainingTask {
  readonly kind = 'causal-lm' as const;
  readonly labels: readonly string[] = [];
  readonly differentiable = true;
  private readonly cache = new Map<string, Uint32Array>();

  constructor(
    readonly tokenizer: LmTokenizer,
    readonly seqLen: number,
  ) {
    if (!(Number.isInteger(seqLen) && seqLen >= 2)) {
      throw new MeerkatError(
        'MEERKAT_CONFIG_INVALID',
        `task.seqLen: ${seqLen} leaves no next token to predict (at least 2)`,
      );
    }
  }

  /** The example's window: its token ids (BOS first when the tokenizer adds it), at most `seqLen`. */
  encode(text: string): Uint32Array {
    const cached = this.cache.get(text);
    if (cached !== undefined) return cached;
    const ids = Uint32Array.from(this.tokenizer.encode(text).slice(0, this.seqLen));
    this.cache.set(text, ids);
    return ids;
  }

  /** The windows of `examples`, right-padded to the longest (pad id 0, masked out). */
  batch(examples: readonly Pick<LabeledExample, 'text'>[]): WindowBatch {
    const windows = examples.map((e) => this.encode(e.text));
    const s = Math.max(...windows.map((w) => w.length));
    const ids = new Uint32Array(windows.length * s);
    const padded = windows.some((w) => w.length < s);
    const mask = padded ? new Uint32Array(windows.length * s) : null;
    windows.forEach((w, r) => {
      ids.set(w, r * s);
      mask?.fill(1, r * s, r * s + w.length);
    });
    if (!windows.some((w) => w.length >= 2)) {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `causal-lm: no window of this batch has two tokens (first: ${examples[0]?.text.slice(0, 40) ?? 'none'}), so there is no next token to predict`,
      );
    }
    return { ids, mask, shape: [windows.length, s] };
  }

  async batchLoss(model: LlamaModel, examples: readonly LabeledExample[]): Promise<number> {
    const { ids, mask, shape } = this.batch(examples);
    return (await causalLmLoss(model, ids, shape, mask ?? undefined)).mean;
  }

  batchLossTensor(model: LlamaModel, examples: readonly LabeledExample[]): Tensor {
    const be = model.backend;
    const { ids, mask, shape } = this.batch(examples);
    const { rows, targets } = nextTokenTargets(ids, shape, mask ?? undefined);
    const logits = model.forward(
      ids,
      shape,
      mask === null ? { logits: 'all' } : { logits: 'all', attentionMask: mask },
    );
    return be.scale(be.sum(be.crossEntropy(logits, rows, targets)), 1 / rows.length);
  }

  /** Mean token NLL over every held-out target token (not a mean of batch means) and its exp. */
  async evaluate(
    model: LlamaModel,
    examples: readonly LabeledExample[],
    _labels: ArrayLike<number>,
    batchSize: number,
  ): Promise<TaskEvaluation> {
    let total = 0;
    let tokens = 0;
    for (let start = 0; start < examples.length; start += batchSize) {
      const { ids, mask, shape } = this.batch(examples.slice(start, start + batchSize));
      const r = await causalLmLoss(model, ids, shape, mask ?? undefined);
      total += r.mean * r.targetCount;
      tokens += r.targetCount;
    }
    const loss = total / tokens;
    return { loss, accuracy: null, perplexity: Math.exp(loss), examples: examples.length };
  }
}
