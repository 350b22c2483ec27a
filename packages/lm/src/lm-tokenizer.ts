import { Tokenizer } from '@huggingface/tokenizers';
import { LmError } from './errors.js';

type Json = Record<string, unknown>;

function invalid(message: string): LmError {
  return new LmError('LM_TOKENIZER_INVALID', message);
}

/** `"<s>"` or `{ content: "<s>", ... }` (both appear in tokenizer_config.json files). */
function tokenText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Json)['content'] === 'string'
  ) {
    return (value as Json)['content'] as string;
  }
  return null;
}

/**
 * A Hugging Face tokenizer (`tokenizer.json` + `tokenizer_config.json`) run by
 * `@huggingface/tokenizers`, with BOS/EOS handling made explicit:
 * - when tokenizer_config.json sets `add_bos_token` / `add_eos_token` (Llama-2 style), the text is
 *   encoded without the post-processor and BOS/EOS are added exactly as those flags say;
 * - otherwise the tokenizer.json post-processor decides (e.g. Llama 3 adds `<|begin_of_text|>`,
 *   Qwen2 adds nothing).
 * `addSpecialTokens: false` turns all of it off.
 */
export class LmTokenizer {
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  /** `add_bos_token` from tokenizer_config.json, or null when it is not set. */
  readonly addBosToken: boolean | null;
  readonly addEosToken: boolean | null;
  /** Number of ids (vocabulary plus added tokens). */
  readonly vocabSize: number;
  private readonly tokenizer: Tokenizer;
  private readonly maxId: number;

  private constructor(tokenizer: Tokenizer, config: Json) {
    this.tokenizer = tokenizer;
    const id = (key: string) => {
      const text = tokenText(config[key]);
      return text === null ? null : (tokenizer.token_to_id(text) ?? null);
    };
    this.bosTokenId = id('bos_token');
    this.eosTokenId = id('eos_token');
    const flag = (key: string) =>
      typeof config[key] === 'boolean' ? (config[key] as boolean) : null;
    this.addBosToken = flag('add_bos_token');
    this.addEosToken = flag('add_eos_token');
    let maxId = -1;
    for (const v of tokenizer.get_vocab(true).values()) maxId = Math.max(maxId, v);
    this.maxId = maxId;
    this.vocabSize = maxId + 1;
    if (this.addBosToken === true && this.bosTokenId === null) {
      throw invalid(
        'tokenizer_config.json sets add_bos_token but its bos_token is not in the vocabulary; fix bos_token.',
      );
    }
    if (this.addEosToken === true && this.eosTokenId === null) {
      throw invalid(
        'tokenizer_config.json sets add_eos_token but its eos_token is not in the vocabulary; fix eos_token.',
      );
    }
  }

  /** Builds a tokenizer from the parsed JSON of tokenizer.json and tokenizer_config.json. */
  static fromJson(
    tokenizerJson: unknown,
    tokenizerConfig: unknown = {},
    source = 'tokenizer.json',
  ): LmTokenizer {
    if (
      tokenizerJson === null ||
      typeof tokenizerJson !== 'object' ||
      Array.isArray(tokenizerJson)
    ) {
      throw invalid(`${source}: must be a JSON object (a Hugging Face tokenizer.json).`);
    }
    const config = (tokenizerConfig ?? {}) as Json;
    if (typeof config !== 'object' || Array.isArray(config)) {
      throw invalid(`${source}: tokenizer_config.json must be a JSON object.`);
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson, config);
    } catch (e) {
      throw invalid(`${source}: @huggingface/tokenizers cannot load it (${(e as Error).message}).`);
    }
    return new LmTokenizer(tokenizer, config);
  }

  /** Token ids of `text`, with BOS/EOS as described on the class. */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    const special = options.addSpecialTokens ?? true;
    const explicit = this.addBosToken !== null || this.addEosToken !== null;
    if (!special || !explicit) {
      return this.tokenizer.encode(text, { add_special_tokens: special }).ids;
    }
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    if (this.addBosToken === true) ids.unshift(this.bosTokenId!);
    if (this.addEosToken === true) ids.push(this.eosTokenId!);
    return ids;
  }

  /** The text of `ids`; special tokens such as `<s>` are kept unless `skipSpecialTokens`. */
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    this.checkIds(ids);
    return this.tokenizer.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? false,
    });
  }

  /** The token string of each id (e.g. `▁Once`). */
  tokens(ids: readonly number[]): string[] {
    this.checkIds(ids);
    return ids.map((id) => this.tokenizer.id_to_token(id) ?? '');
  }

  private checkIds(ids: readonly number[]): void {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id > this.maxId) {
        throw invalid(
          `Token id ${id} is outside the vocabulary [0, ${this.maxId}]; pass ids produced by this tokenizer.`,
        );
      }
    }
  }
}
