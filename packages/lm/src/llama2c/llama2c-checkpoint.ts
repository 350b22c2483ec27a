// llama2.c's legacy checkpoint format (karpathy/llama2.c `export.py --version 0`, the format of
// the tinyllamas stories*.bin files): seven int32 header fields, then float32 tensors in a fixed
// order. Read here as Hugging Face Llama tensors, with q/k rows permuted from llama2.c's
// interleaved RoPE pairs into the rotate-half layout (what transformers' Llama converter does).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type LlamaConfig, parseConfig } from '../config.js';
import { LmError } from '../errors.js';
import { parameterSpecs } from '../layout.js';
import type { SafetensorsStreamInput } from '../safetensors-node.js';

/** The seven int32 fields of a legacy llama2.c checkpoint. */
export interface Llama2cHeader {
  readonly dim: number;
  readonly hiddenDim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  /** Always positive here; the file's sign says whether the classifier is shared. */
  readonly vocabSize: number;
  readonly seqLen: number;
  /** True when the file's vocab_size is positive: `lm_head` is the embedding matrix. */
  readonly sharedClassifier: boolean;
}

/** Bytes before the first tensor. */
export const LLAMA2C_HEADER_BYTES = 28;

/** `ak42` read as a little-endian uint32: the magic of llama2.c's versioned exports (v1, v2). */
const VERSIONED_MAGIC = 0x616b3432;

function invalid(source: string, message: string): LmError {
  return new LmError('LM_LLAMA2C_INVALID', `${source}: ${message}`);
}

/** Reads and checks the header (the first 28 bytes) of a legacy llama2.c checkpoint. */
export function parseLlama2cHeader(bytes: Uint8Array, source: string): Llama2cHeader {
  if (bytes.length < LLAMA2C_HEADER_BYTES) {
    throw invalid(source, `${bytes.length} bytes, shorter than the 28-byte llama2.c header.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, LLAMA2C_HEADER_BYTES);
  if (view.getUint32(0, true) === VERSIONED_MAGIC) {
    throw invalid(
      source,
      `a versioned llama2.c export (version ${view.getInt32(4, true)}); only the legacy format is read: export it with llama2.c's \`python export.py --version 0\`.`,
    );
  }
  const f = Array.from({ length: 7 }, (_, i) => view.getInt32(i * 4, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = f as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const positive = { dim, hiddenDim, nLayers, nHeads, nKvHeads, seqLen };
  for (const [name, value] of Object.entries(positive)) {
    if (value <= 0 || value > 1 << 24) {
      throw invalid(
        source,
        `header field ${name} = ${value} is not a plausible size; not a llama2.c checkpoint?`,
      );
    }
  }
  if (rawVocab === 0) throw invalid(source, 'header field vocab_size is 0.');
  if (dim % nHeads !== 0 || ((dim / nHeads) & 1) !== 0) {
    throw invalid(source, `dim ${dim} is not n_heads ${nHeads} × an even head size.`);
  }
  if (nHeads % nKvHeads !== 0) {
    throw invalid(source, `n_heads ${nHeads} is not a multiple of n_kv_heads ${nKvHeads}.`);
  }
  return {
    ...positive,
    vocabSize: Math.abs(rawVocab),
    sharedClassifier: rawVocab > 0,
  };
}

/** One tensor of the file: where it starts and which HF tensor it becomes. */
export interface Llama2cTensorEntry {
  /** HF name, or null for the RoPE tables llama2.c stores and HF recomputes. */
  readonly name: string | null;
  readonly shape: readonly number[];
  /** Byte offset in the file. */
  readonly offset: number;
  /** Heads whose rows are permuted from interleaved to rotate-half RoPE (q/k), else 0. */
  readonly permuteHeads: number;
}

/** Every tensor of a legacy file, in file order, and the file size they imply. */
export function llama2cLayout(h: Llama2cHeader): {
  entries: Llama2cTensorEntry[];
  fileBytes: number;
} {
  const headSize = h.dim / h.nHeads;
  const kvDim = h.nKvHeads * headSize;
  const entries: Llama2cTensorEntry[] = [];
  let offset = LLAMA2C_HEADER_BYTES;
  const add = (name: string | null, shape: number[], permuteHeads = 0) => {
    entries.push({ name, shape, offset, permuteHeads });
    offset += shape.reduce((a, b) => a * b, 1) * 4;
  };
  const perLayer = (suffix: string, shape: number[], permuteHeads = 0) => {
    for (let l = 0; l < h.nLayers; l++) add(`model.layers.${l}.${suffix}`, shape, permuteHeads);
  };
  add('model.embed_tokens.weight', [h.vocabSize, h.dim]);
  perLayer('input_layernorm.weight', [h.dim]);
  perLayer('self_attn.q_proj.weight', [h.dim, h.dim], h.nHeads);
  perLayer('self_attn.k_proj.weight', [kvDim, h.dim], h.nKvHeads);
  perLayer('self_attn.v_proj.weight', [kvDim, h.dim]);
  perLayer('self_attn.o_proj.weight', [h.dim, h.dim]);
  perLayer('post_attention_layernorm.weight', [h.dim]);
  perLayer('mlp.gate_proj.weight', [h.hiddenDim, h.dim]); // llama2.c w1
  perLayer('mlp.down_proj.weight', [h.dim, h.hiddenDim]); // w2
  perLayer('mlp.up_proj.weight', [h.hiddenDim, h.dim]); // w3
  add('model.norm.weight', [h.dim]);
  add(null, [h.seqLen, headSize / 2]); // freq_cis_real
  add(null, [h.seqLen, headSize / 2]); // freq_cis_imag
  if (!h.sharedClassifier) add('lm_head.weight', [h.vocabSize, h.dim]);
  return { entries, fileBytes: offset };
}

/** The Hugging Face `config.json` of a llama2.c model (llama2.c's RMSNorm eps and RoPE theta). */
export function llama2cConfigJson(h: Llama2cHeader): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: h.dim,
    intermediate_size: h.hiddenDim,
    num_hidden_layers: h.nLayers,
    num_attention_heads: h.nHeads,
    num_key_value_heads: h.nKvHeads,
    head_dim: h.dim / h.nHeads,
    vocab_size: h.vocabSize,
    max_position_embeddings: h.seqLen,
    rms_norm_eps: 1e-5,
    rope_theta: 10000.0,
    tie_word_embeddings: h.sharedClassifier,
    hidden_act: 'silu',
    bos_token_id: 1,
    eos_token_id: 2,
    attention_bias: false,
    mlp_bias: false,
    torch_dtype: 'float32',
  };
}

/**
 * The source row of HF row `row` in a q/k projection of `heads` heads: llama2.c keeps each RoPE
 * pair (2i, 2i+1) of a head adjacent, HF puts all first halves, then all second halves.
 */
export function ropeSourceRow(row: number, rowsPerHead: number): number {
  const half = rowsPerHead / 2;
  const head = Math.floor(row / rowsPerHead);
  const r = row % rowsPerHead;
  const j = Math.floor(r / half);
  const i = r % half;
  return head * rowsPerHead + 2 * i + j;
}

/** An open legacy llama2.c checkpoint: its config and its tensors as streamable HF tensors. */
export interface Llama2cCheckpoint {
  readonly path: string;
  readonly header: Llama2cHeader;
  readonly configJson: Record<string, unknown>;
  readonly config: LlamaConfig;
  /** HF tensors in canonical order; their fills read the file lazily. */
  readonly tensors: readonly SafetensorsStreamInput[];
  /** Closes the file; the fills fail afterwards. */
  close(): void;
}

/**
 * Opens a legacy llama2.c checkpoint (`stories15M.bin`, …): checks its header and size and
 * describes its tensors as HF Llama tensors whose values are read from the file on demand, so a
 * conversion streams and never holds the whole model twice.
 */
export function openLlama2cCheckpoint(path: string): Llama2cCheckpoint {
  const fd = openSync(path, 'r');
  try {
    const headerBytes = new Uint8Array(LLAMA2C_HEADER_BYTES);
    readSync(fd, headerBytes, 0, LLAMA2C_HEADER_BYTES, 0);
    const size = fstatSync(fd).size;
    const header = parseLlama2cHeader(headerBytes.subarray(0, Math.min(size, 28)), path);
    const { entries, fileBytes } = llama2cLayout(header);
    if (size !== fileBytes) {
      throw invalid(
        path,
        `${size} bytes, but its header (dim ${header.dim}, ${header.nLayers} layers, vocab ${header.vocabSize}, ${header.sharedClassifier ? 'shared' : 'separate'} classifier) implies ${fileBytes}: truncated, or not a legacy llama2.c checkpoint.`,
      );
    }
    const readFloats = (byteOffset: number, out: Float32Array) => {
      const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      let done = 0;
      while (done < bytes.length) {
        const n = readSync(fd, bytes, done, bytes.length - done, byteOffset + done);
        if (n === 0) throw invalid(path, `unexpected end of file at byte ${byteOffset + done}.`);
        done += n;
      }
    };
    const configJson = llama2cConfigJson(header);
    const config = parseConfig(configJson, `${path} (llama2.c header)`);
    const byName = new Map<string, SafetensorsStreamInput>();
    for (const e of entries) {
      if (e.name === null) continue;
      const cols = e.shape.length === 2 ? e.shape[1]! : e.shape[0]!;
      const rowsPerHead = e.permuteHeads > 0 ? e.shape[0]! / e.permuteHeads : 0;
      const data =
        e.permuteHeads === 0
          ? (start: number, out: Float32Array) => readFloats(e.offset + start * 4, out)
          : (start: number, out: Float32Array) => {
              // Row by row: each destination row comes from one source row of the same tensor.
              let done = 0;
              while (done < out.length) {
                const at = start + done;
                const row = Math.floor(at / cols);
                const col = at % cols;
                const n = Math.min(cols - col, out.length - done);
                const source = ropeSourceRow(row, rowsPerHead);
                readFloats(e.offset + (source * cols + col) * 4, out.subarray(done, done + n));
                done += n;
              }
            };
      byName.set(e.name, { name: e.name, shape: e.shape, data });
    }
    const tensors = parameterSpecs(config).map((spec) => byName.get(spec.name)!);
    let open = true;
    return {
      path,
      header,
      configJson,
      config,
      tensors,
      close: () => {
        if (open) closeSync(fd);
        open = false;
      },
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
