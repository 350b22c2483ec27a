/** Stable machine-readable codes for every error this package raises. */
export type LmErrorCode =
  /** A file is shorter than its own header says it is. */
  | 'SAFETENSORS_TRUNCATED'
  /** The header length or header JSON is malformed. */
  | 'SAFETENSORS_BAD_HEADER'
  /** A tensor uses a dtype this package cannot widen to float32. */
  | 'SAFETENSORS_UNSUPPORTED_DTYPE'
  /** A tensor's byte length differs from shape product × dtype size. */
  | 'SAFETENSORS_WRONG_LENGTH'
  /** A tensor's `data_offsets` fall outside the data section. */
  | 'SAFETENSORS_OUT_OF_BOUNDS'
  /** Two tensors share bytes. */
  | 'SAFETENSORS_OVERLAP'
  /** The tensors leave a gap, or bytes after the last tensor, in the data section. */
  | 'SAFETENSORS_GAP'
  /** A sharded checkpoint's index is malformed, names a missing shard, or disagrees with a shard. */
  | 'SAFETENSORS_SHARD'
  /** Writer input is invalid (shape/data mismatch, duplicate name, bad dtype). */
  | 'SAFETENSORS_WRITE_INVALID'
  /** config.json is malformed or describes an unsupported model. */
  | 'LM_CONFIG_INVALID'
  /** A checkpoint lacks a tensor its config requires. */
  | 'LM_MISSING_TENSOR'
  /** A checkpoint holds a tensor its config does not describe. */
  | 'LM_UNEXPECTED_TENSOR'
  /** A checkpoint tensor has a shape other than the one its config implies. */
  | 'LM_SHAPE_MISMATCH'
  /** A tokenizer file is missing or malformed, or an id is outside the vocabulary. */
  | 'LM_TOKENIZER_INVALID'
  /** A file the loader needs does not exist. */
  | 'LM_FILE_NOT_FOUND'
  /** A function argument is invalid (unknown preset, bad seed, ...). */
  | 'LM_INVALID_ARGUMENT'
  /** A file-system function (`LlamaModel.load(dir)`) was called in the browser build. */
  | 'LM_NODE_ONLY'
  /** A llama2.c checkpoint (`.bin`) or `tokenizer.bin` is malformed or of an unsupported version. */
  | 'LM_LLAMA2C_INVALID'
  /** `--model` is neither a directory, a llama2.c `.bin`, a cache name nor `hf:ORG/NAME`. */
  | 'LM_MODEL_NOT_FOUND'
  /** A server refused a download (HTTP 401/403): a gated or private model needs `HF_TOKEN`. */
  | 'LM_DOWNLOAD_UNAUTHORIZED'
  /** A server has no such file (HTTP 404) at that revision. */
  | 'LM_DOWNLOAD_NOT_FOUND'
  /** A host could not be reached (DNS, refused connection, timeout). */
  | 'LM_NETWORK_UNREACHABLE'
  /** A download kept breaking off, or the server answered with an unexpected HTTP status. */
  | 'LM_DOWNLOAD_FAILED'
  /** A downloaded file has the wrong size or hash; it was deleted. */
  | 'LM_DOWNLOAD_CORRUPT'
  /** Offline mode (`HF_HUB_OFFLINE=1`) and the model is not in the cache. */
  | 'LM_OFFLINE';

/** The one error class of `@meerkat/lm`; switch on `code`, not on the message. */
export class LmError extends Error {
  override readonly name = 'LmError';
  readonly code: LmErrorCode;

  constructor(code: LmErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
