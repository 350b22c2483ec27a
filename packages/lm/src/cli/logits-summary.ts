import type { LmTokenizer } from '../tokenizer.js';
import type { TopEntry } from './top-k.js';

/** What the readable `logits` output shows. */
export interface LogitsSummaryInput {
  readonly modelLine: string;
  readonly text: string;
  readonly ids: Uint32Array;
  readonly top: readonly TopEntry[];
  readonly tokenizer: LmTokenizer;
}

/** The readable (non-JSON) output of `meerkat-lm logits`. */
export function formatLogitsSummary(input: LogitsSummaryInput): string {
  const { ids, tokenizer, top } = input;
  const idList = Array.from(ids);
  const lines = [
    `model   ${input.modelLine}`,
    `text    ${JSON.stringify(input.text)} → ${ids.length} token${ids.length === 1 ? '' : 's'}`,
    `ids     ${idList.join(' ')}`,
    `tokens  ${tokenizer
      .tokens(idList)
      .map((t) => JSON.stringify(t))
      .join(' ')}`,
    `top ${top.length} next tokens after position ${ids.length - 1}:`,
    '   rank      id  token                  logit     prob',
  ];
  top.forEach((e, i) => {
    const token = JSON.stringify(tokenizer.tokens([e.id])[0] ?? '');
    lines.push(
      `  ${String(i + 1).padStart(5)}  ${String(e.id).padStart(6)}  ${token.padEnd(18)} ${e.logit.toFixed(4).padStart(10)}  ${e.probability.toFixed(4)}`,
    );
  });
  return `${lines.join('\n')}\n`;
}
