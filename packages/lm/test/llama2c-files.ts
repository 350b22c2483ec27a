// llama2.c files made in memory for tests: a legacy checkpoint with seeded weights and a
// tokenizer.bin spelled as llama2.c's exporter spells it (space for ▁, BOS/EOS in newlines).

import {
  LLAMA2C_HEADER_BYTES,
  llama2cLayout,
  parseLlama2cHeader,
} from '../src/llama2c/llama2c-checkpoint.js';
import type { SentencePieceVocab } from '../src/llama2c/llama2c-tokenizer.js';
import { fillNormal } from '../src/random-init.js';

/** The `tokenizer.bin` llama2.c's tokenizer.py would write for `vocab`. */
export function llama2cTokenizerBin(vocab: SentencePieceVocab): Buffer {
  const encoded = vocab.pieces.map((p, id) => {
    const text =
      id === vocab.bosId
        ? '\n<s>\n'
        : id === vocab.eosId
          ? '\n</s>\n'
          : p.replaceAll('\u2581', ' ');
    return Buffer.from(text, 'utf8');
  });
  const parts: Buffer[] = [
    Buffer.from(new Int32Array([Math.max(...encoded.map((b) => b.length))]).buffer),
  ];
  encoded.forEach((b, id) => {
    const head = Buffer.alloc(8);
    head.writeFloatLE(vocab.scores[id]!, 0);
    head.writeInt32LE(b.length, 4);
    parts.push(head, b);
  });
  return Buffer.concat(parts);
}

/** A legacy llama2.c checkpoint with the seven header `fields` and N(0, 0.02) weights. */
export function llama2cCheckpointBin(fields: readonly number[], seed = 1): Buffer {
  const header = new Int32Array(fields);
  const h = parseLlama2cHeader(new Uint8Array(header.buffer), 'test');
  const values = new Float32Array((llama2cLayout(h).fileBytes - LLAMA2C_HEADER_BYTES) / 4);
  fillNormal(seed, 'llama2c', 0, values, 0.02);
  return Buffer.concat([Buffer.from(header.buffer), Buffer.from(values.buffer)]);
}
