/** Stable machine-readable codes for every error this package raises. */
export type SparseMaskErrorCode =
  /** A layout description is invalid: duplicate or empty names, bad dims, empty, or too large. */
  | 'LAYOUT_INVALID'
  /** A tensor name is not part of the layout. */
  | 'LAYOUT_UNKNOWN_TENSOR'
  /** A flat or local index lies outside the layout. */
  | 'LAYOUT_INDEX_OUT_OF_RANGE'
  /** A gradient / vector / per-tensor map does not match the layout (missing, extra, wrong length). */
  | 'GRADIENT_SHAPE_MISMATCH'
  /** A gradient or vector holds NaN or ±Infinity. */
  | 'GRADIENT_NON_FINITE'
  /** Scores handed to top-k selection contain NaN or a negative value. */
  | 'SCORES_INVALID'
  /** A calibrator was asked for a mask before it saw any batch. */
  | 'CALIBRATOR_EMPTY'
  /** A bad argument: k or density out of range, bad seed, bad option. */
  | 'MASK_INVALID_ARGUMENT'
  /** A mask object is inconsistent: unsorted/duplicate indices, index >= d, array length != k. */
  | 'MASK_INVALID'
  /** A mask was applied to a layout (or vector) whose fingerprint or size differs. */
  | 'MASK_LAYOUT_MISMATCH'
  /** Binary mask: the bytes end before the format says they should. */
  | 'MASK_TRUNCATED'
  /** Binary mask: the first 8 bytes are not "MKMASK\0\0". */
  | 'MASK_BAD_MAGIC'
  /** Binary mask: a format version this build cannot read. */
  | 'MASK_UNSUPPORTED_VERSION'
  /** Binary mask: the CRC32 trailer does not match the content. */
  | 'MASK_CHECKSUM_MISMATCH'
  /** Binary mask: structurally invalid content (bad varints, non-increasing indices, index >= d, k mismatch, trailing bytes, unknown flags). */
  | 'MASK_CORRUPT';

/** The one error class of `@meerkat/sparse-mask`; switch on `code`, not on the message. */
export class SparseMaskError extends Error {
  override readonly name = 'SparseMaskError';
  readonly code: SparseMaskErrorCode;

  constructor(code: SparseMaskErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
