import { causalLmLoss, type LlamaModel, TrainableView } from '@meerkat/lm/browser';
import {
  deriveSeed,
  type StepRecord,
  type UpdateOptions,
  ZoOptimizer,
  type ZoOptimizerOptions,
} from '@meerkat/zo-estimator';
import { BrowserClientError } from './errors.js';

/** Token ids of one training batch laid out as `shape = [b, s]` (the input of `causalLmLoss`). */
export interface LmBatch {
  readonly ids: Uint32Array;
  readonly shape: readonly [number, number];
  /** [b, s], nonzero = token, 0 = padding; omit when nothing is padded. */
  readonly attentionMask?: Uint32Array | Float32Array;
}

/** Options of {@link createBrowserClient}: the model, the mask, the run's identity and ZO-SGD's. */
export interface BrowserClientOptions extends ZoOptimizerOptions {
  readonly model: LlamaModel;
  /** Flat indices of the trainable parameters (canonical `parameterSpecs` order, distinct). */
  readonly maskIndices: Uint32Array;
  /** The run seed every step seed is derived from (`deriveSeed(runSeed, round, clientId, t)`). */
  readonly runSeed: bigint;
  readonly clientId: string;
}

/** What {@link BrowserClient.localSteps} returns: everything a server needs is in `records`. */
export interface LocalStepsResult {
  readonly round: number;
  readonly clientId: string;
  /** One `(seed, g)` per accepted step, in step order (a skipped step has none). */
  readonly records: StepRecord[];
  /** The mean of the losses evaluated at each step (L(θ+εz) and L(θ−εz)), one per step. */
  readonly losses: number[];
  /** Steps skipped for a non-finite loss or g (only with `onNonFinite: 'skip'`). */
  readonly skipped: number;
  readonly forwardPasses: number;
  /** θ after the steps (a copy); `replay(θ₀, records, updateOptions)` gives exactly this. */
  readonly theta: Float32Array;
}

/** A Meerkat client that trains a sparse mask of a model with ZO-SGD, for browsers (or Node). */
export interface BrowserClient {
  readonly model: LlamaModel;
  readonly view: TrainableView;
  readonly clientId: string;
  /** What `replay` needs to rebuild θ from this client's records. */
  readonly updateOptions: UpdateOptions;
  /** A copy of the current trainable values θ (in `maskIndices` order). */
  theta(): Float32Array;
  /** Sets θ (e.g. the server's θ^r at the start of a round) and writes it into the model. */
  setTheta(values: Float32Array): void;
  /** The mean causal-LM loss of `batch` at the current θ (one forward). */
  loss(batch: LmBatch): Promise<number>;
  /**
   * Runs one ZO-SGD step per batch, step t at seed `deriveSeed(runSeed, round, clientId, t)`.
   * Before each forward the perturbed θ is written into the model through the `TrainableView`;
   * afterwards the model holds the updated θ.
   */
  localSteps(
    batches: readonly LmBatch[],
    options?: { readonly round?: number },
  ): Promise<LocalStepsResult>;
}

function invalid(message: string): BrowserClientError {
  return new BrowserClientError('BROWSER_INVALID_ARGUMENT', message);
}

/**
 * Creates a client over `model`'s parameters at `maskIndices`. The ZO step is `@meerkat/zo-estimator`'s
 * `ZoOptimizer` over the masked values; the objective writes them into the model
 * (`TrainableView.write`, one `scatterUpdate` per touched tensor) and returns `causalLmLoss`.
 */
export async function createBrowserClient(options: BrowserClientOptions): Promise<BrowserClient> {
  const { model, maskIndices, runSeed, clientId } = options;
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw invalid(`clientId must be a non-empty string, got ${JSON.stringify(clientId)}.`);
  }
  if (maskIndices.length === 0)
    throw invalid('maskIndices is empty; a mask needs at least one index.');
  deriveSeed(runSeed, 0, clientId, 0); // validates runSeed (ZoError ZO_INVALID_SEED)
  // The optimizer first: it validates lr, eps, ... before anything is read from the backend.
  const optimizer = new ZoOptimizer(new Float32Array(maskIndices.length), options);
  const theta = optimizer.theta;
  const view = await TrainableView.create(model, maskIndices);
  theta.set(view.read());
  let busy = false;

  const lossAt = async (batch: LmBatch) =>
    (await causalLmLoss(model, batch.ids, batch.shape, batch.attentionMask)).mean;

  return {
    model,
    view,
    clientId,
    updateOptions: optimizer.updateOptions,
    theta: () => theta.slice(),
    setTheta(values) {
      if (busy) throw invalid('setTheta was called while localSteps is running.');
      view.write(values); // validates length and finiteness before writing
      theta.set(values);
    },
    loss: lossAt,
    async localSteps(batches, stepOptions = {}) {
      const round = stepOptions.round ?? 0;
      if (!Number.isInteger(round) || round < 0 || round > 0xffffffff) {
        throw invalid(`round must be an integer in [0, 2^32), got ${round}.`);
      }
      if (batches.length === 0)
        throw invalid('localSteps needs at least one batch (one per step).');
      if (busy) throw invalid('localSteps is already running on this client; await it first.');
      busy = true;
      const records: StepRecord[] = [];
      const losses: number[] = [];
      const skippedBefore = optimizer.skipped;
      const passesBefore = optimizer.forwardPasses;
      try {
        for (let t = 0; t < batches.length; t++) {
          const batch = batches[t]!;
          const objective = (values: Float32Array) => {
            view.write(values);
            return lossAt(batch);
          };
          const result = await optimizer.step(objective, deriveSeed(runSeed, round, clientId, t));
          if (result.record !== undefined) records.push(result.record);
          losses.push(result.loss);
        }
      } finally {
        view.write(theta); // the model holds θ, not the last perturbation
        busy = false;
      }
      return {
        round,
        clientId,
        records,
        losses,
        skipped: optimizer.skipped - skippedBefore,
        forwardPasses: optimizer.forwardPasses - passesBefore,
        theta: theta.slice(),
      };
    },
  };
}
