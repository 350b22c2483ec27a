import { isSeed, seededPermutation } from '@meerkat/seeded';
import { deriveSeed } from '@meerkat/zo-estimator';
import { GradipError } from './errors.js';

/** Where a cursor stands: `position` examples of epoch `epoch` have been handed out. */
export interface DataCursorState {
  readonly epoch: number;
  readonly position: number;
}

/**
 * Checks a data seed (a bigint in [0, 2^64)) and returns it; `GRADIP_INVALID_ARGUMENT`
 * otherwise, before zo-estimator ever sees it.
 */
export function checkDataSeed(dataSeed: unknown, name = 'dataSeed'): bigint {
  if (!isSeed(dataSeed)) {
    throw new GradipError(
      'GRADIP_INVALID_ARGUMENT',
      `${name} must be a bigint in [0, 2^64), got ${typeof dataSeed === 'bigint' ? `${dataSeed}n` : String(dataSeed)}; pass e.g. 7n or BigInt(value)`,
    );
  }
  return dataSeed;
}

/**
 * The seeded permutation of `size` examples for one epoch: `@meerkat/seeded`'s
 * `seededPermutation` (Fisher–Yates driven by Philox4x32-10) keyed with
 * `deriveSeed(dataSeed, epoch, clientId, 0)`, so any machine rebuilds it.
 */
export function epochPermutation(
  dataSeed: bigint,
  clientId: string,
  epoch: number,
  size: number,
  out: Uint32Array = new Uint32Array(size),
): Uint32Array {
  if (out.length !== size) {
    throw new GradipError('GRADIP_LENGTH_MISMATCH', `out length ${out.length} must equal ${size}`);
  }
  checkDataSeed(dataSeed);
  return seededPermutation(deriveSeed(dataSeed, epoch, clientId, 0), size, out);
}

/**
 * A client's data cursor: hands out batches of indices into the client's own data by walking a
 * fresh seeded permutation each epoch, wrapping into the next epoch mid-batch. Every example is
 * visited exactly once per epoch however the batches are spread over rounds and steps.
 */
export class ClientDataCursor {
  readonly clientId: string;
  readonly size: number;
  private readonly dataSeed: bigint;
  private currentEpoch: number;
  private currentPosition: number;
  private permutation: Uint32Array;

  constructor(
    clientId: string,
    size: number,
    dataSeed: bigint,
    state: DataCursorState = { epoch: 0, position: 0 },
  ) {
    if (typeof clientId !== 'string' || clientId.length === 0) {
      throw new GradipError('GRADIP_INVALID_ARGUMENT', 'clientId must be a non-empty string');
    }
    if (!(Number.isInteger(size) && size >= 1 && size <= 0xffffffff)) {
      throw new GradipError(
        'GRADIP_INVALID_ARGUMENT',
        `client '${clientId}' must hold an integer number of examples >= 1, got ${size}`,
      );
    }
    const { epoch, position } = state;
    if (!(Number.isInteger(epoch) && epoch >= 0 && epoch <= 0xffffffff)) {
      throw new GradipError('GRADIP_INVALID_ARGUMENT', `epoch must be in [0, 2^32), got ${epoch}`);
    }
    if (!(Number.isInteger(position) && position >= 0 && position < size)) {
      throw new GradipError(
        'GRADIP_INVALID_ARGUMENT',
        `position must be an integer in [0, ${size}), got ${position}`,
      );
    }
    checkDataSeed(dataSeed);
    this.clientId = clientId;
    this.size = size;
    this.dataSeed = dataSeed;
    this.currentEpoch = epoch;
    this.currentPosition = position;
    this.permutation = epochPermutation(dataSeed, clientId, epoch, size);
  }

  get epoch(): number {
    return this.currentEpoch;
  }

  get position(): number {
    return this.currentPosition;
  }

  /** The next `batchSize` example indices (each in [0, size)). */
  next(batchSize: number): Uint32Array {
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new GradipError(
        'GRADIP_INVALID_ARGUMENT',
        `batchSize must be an integer >= 1, got ${batchSize}`,
      );
    }
    const out = new Uint32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      out[b] = this.permutation[this.currentPosition]!;
      this.currentPosition++;
      if (this.currentPosition === this.size) {
        this.currentEpoch++;
        this.currentPosition = 0;
        epochPermutation(
          this.dataSeed,
          this.clientId,
          this.currentEpoch,
          this.size,
          this.permutation,
        );
      }
    }
    return out;
  }

  state(): DataCursorState {
    return { epoch: this.currentEpoch, position: this.currentPosition };
  }
}
