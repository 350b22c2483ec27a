import type { LlamaModel, LmTokenizer } from '@meerkat/lm';
import type { Tensor } from '@meerkat/tensor';
import type { LabeledExample } from '../data/labeled-example.js';
import { MeerkatError } from '../errors.js';
import type { TaskEvaluation, TrainingTask } from './training-task.js';
import { verbalizerLoss, verbalizerLossTensor } from './verbalizer-loss.js';

/**
 * A classification task as a language-model prompt: `template` with `{text}` replaced by the
 * example text, ending where the label word should follow; `verbalizer` maps each label to the
 * word(s) the model should continue with. Prompts are capped at `maxTokens` tokens (BOS
 * included) by shortening the text, never the template. Encodings are cached per text.
 */
export class ClassificationTask implements TrainingTask {
  readonly kind = 'classification' as const;
  readonly labels: readonly string[];
  /** Token ids of each label's word, as they follow the prompt (index = label id). */
  readonly labelTokens: readonly Uint32Array[];
  /** All label words are one token: scoring needs only the last position's logits. */
  readonly singleTokenLabels: boolean;
  private readonly cache = new Map<string, Uint32Array>();
  private readonly prefix: string;
  private readonly suffix: string;

  constructor(
    readonly tokenizer: LmTokenizer,
    readonly template: string,
    readonly verbalizer: Readonly<Record<string, string>>,
    readonly maxTokens: number,
  ) {
    const at = template.indexOf('{text}');
    if (at < 0)
      throw new MeerkatError('MEERKAT_CONFIG_INVALID', 'task.template must contain {text}');
    this.prefix = template.slice(0, at);
    this.suffix = template.slice(at + '{text}'.length);
    this.labels = Object.keys(verbalizer);
    const probe = template.replace('{text}', 'x');
    const base = tokenizer.encode(probe, { addSpecialTokens: false });
    this.labelTokens = this.labels.map((label) => {
      const word = verbalizer[label]!;
      const full = tokenizer.encode(probe + word, { addSpecialTokens: false });
      const ids = base.every((id, i) => full[i] === id)
        ? full.slice(base.length)
        : tokenizer.encode(word, { addSpecialTokens: false });
      if (ids.length === 0) {
        throw new MeerkatError(
          'MEERKAT_CONFIG_INVALID',
          `task.verbalizer.${label}: ${JSON.stringify(word)} encodes to no tokens`,
        );
      }
      return Uint32Array.from(ids);
    });
    const seen = new Set<string>();
    this.labelTokens.forEach((ids, i) => {
      const key = ids.join(',');
      if (seen.has(key)) {
        throw new MeerkatError(
          'MEERKAT_CONFIG_INVALID',
          `task.verbalizer.${this.labels[i]}: the same tokens as another label; label words must differ`,
        );
      }
      seen.add(key);
    });
    this.singleTokenLabels = this.labelTokens.every((t) => t.length === 1);
    const minimal = tokenizer.encode(template.replace('{text}', ''));
    if (minimal.length + 1 > maxTokens) {
      throw new MeerkatError(
        'MEERKAT_CONFIG_INVALID',
        `task.maxTokens: ${maxTokens} leaves no room for text after the template's ${minimal.length} tokens`,
      );
    }
  }

  /** The prompt's token ids (BOS first when the tokenizer adds it), at most `maxTokens`. */
  encode(text: string): Uint32Array {
    const cached = this.cache.get(text);
    if (cached !== undefined) return cached;
    const render = (t: string) => this.tokenizer.encode(this.prefix + t + this.suffix);
    let ids = render(text);
    let chars = text.length;
    for (let attempt = 0; ids.length > this.maxTokens; attempt++) {
      // Shrink the text in proportion to the excess, then by a tenth more each time.
      const ratio = this.maxTokens / ids.length;
      chars = Math.max(
        0,
        Math.min(chars - 1, Math.floor(chars * ratio * (attempt === 0 ? 1 : 0.9))),
      );
      ids = render(text.slice(0, chars).trimEnd());
      if (chars === 0) break;
    }
    const out = Uint32Array.from(ids.slice(0, this.maxTokens));
    this.cache.set(text, out);
    return out;
  }

  /** `verbalizerLossTensor` scores every label word, single- or multi-token. */
  readonly differentiable = true;

  /** `verbalizerLoss` of the batch's prompts against their label ids. */
  async batchLoss(
    model: LlamaModel,
    examples: readonly LabeledExample[],
    labels: ArrayLike<number>,
  ): Promise<number> {
    const prompts = examples.map((e) => this.encode(e.text));
    return (await verbalizerLoss(model, this, prompts, labels)).loss;
  }

  /** `verbalizerLossTensor` of the batch (single- or multi-token label words). */
  batchLossTensor(
    model: LlamaModel,
    examples: readonly LabeledExample[],
    labels: ArrayLike<number>,
  ): Tensor {
    const prompts = examples.map((e) => this.encode(e.text));
    return verbalizerLossTensor(model, this, prompts, labels);
  }

  /** Restricted loss and accuracy of held-out examples (no perplexity). */
  async evaluate(
    model: LlamaModel,
    examples: readonly LabeledExample[],
    labels: ArrayLike<number>,
    batchSize: number,
  ): Promise<TaskEvaluation> {
    const prompts = examples.map((e) => this.encode(e.text));
    const r = await verbalizerLoss(model, this, prompts, labels, batchSize);
    let hits = 0;
    for (let i = 0; i < prompts.length; i++) if (r.predictions[i] === labels[i]) hits++;
    return {
      loss: r.loss,
      accuracy: hits / prompts.length,
      perplexity: null,
      examples: prompts.length,
    };
  }
}
