import { ClientDataCursor } from '@meerkat/gradip';
import type { LlamaModel } from '@meerkat/lm';
import { type DirectionPool, deriveSeed, ZoOptimizer } from '@meerkat/zo-estimator';
import type { LabeledExample } from '../data/labeled-example.js';
import { MeerkatError } from '../errors.js';
import { groupIndices, type MaskGroup, maskedGradient } from '../model/parameter-gradient.js';
import {
  type AnnounceMessage,
  type DownlinkMessage,
  PROTOCOL_VERSION,
  type RunDescriptor,
} from '../protocol/messages.js';
import type { ClientLink } from '../protocol/transport.js';
import type { TrainingTask } from '../task/training-task.js';
import type { ModelReplica } from './model-replica.js';

/** What a client holds: its data shard, a model replica, and the task that scores its batches. */
export interface TrainingClientOptions {
  readonly link: ClientLink;
  readonly replica: ModelReplica;
  readonly model: LlamaModel;
  /** Classification (`ClassificationTask`) or causal-LM (`CausalLmTask`): any `TrainingTask`. */
  readonly task: TrainingTask;
  /** The client's training examples (its shard) and their label ids (causal-LM: all 0). */
  readonly examples: readonly LabeledExample[];
  readonly labels: Int32Array;
  /** The layout fingerprint of the client's model (checked against the run's). */
  readonly layoutFingerprint: string;
  /**
   * Worker threads that generate the ZO directions of large θ (full-parameter ZO): the records
   * and θ are bit-identical with or without it. The client never closes it.
   */
  readonly directionPool?: DirectionPool;
}

/**
 * The client side of the round protocol. It keeps only its data and answers messages: on
 * `announce` it brings its replica to θ^r, draws batches with the announced data cursor, runs
 * the local steps (ZO-SGD with the derived seeds, or first-order SGD) and uploads the result.
 *
 * Every scalar it uploads is float32-representable, whatever the transport: ZO steps round each
 * g to float32 before applying it (`ZoOptimizer` with `scalars: 'float32'`) and the loss
 * statistics are rounded to float32, so protocol v2 (float32 on the wire) carries exactly what
 * v1 carries, and the client's θ, the coordinator's θ and every replay stay bit-identical. The
 * update message has the loss mean, first and last; a v1 frame carries all three, a v2 frame the
 * mean only (`updateV2FromMessage`: 56 B for 10 steps, 1 direction), all the coordinator reads.
 */
export class TrainingClient {
  readonly id: string;
  private run: RunDescriptor | undefined;
  private groups: MaskGroup[] | undefined;

  constructor(private readonly options: TrainingClientOptions) {
    this.id = options.link.clientId;
    options.link.onMessage((m) => this.handle(m));
  }

  /** Announces the client to the coordinator. */
  async join(): Promise<void> {
    await this.options.link.send({
      v: 1,
      type: 'join',
      clientId: this.id,
      numSamples: this.options.examples.length,
      round: this.options.replica.round,
    });
  }

  private async handle(message: DownlinkMessage): Promise<void> {
    switch (message.type) {
      case 'welcome': {
        const { run } = message;
        const chosen = message.version ?? PROTOCOL_VERSION;
        const speaks = this.options.link.protocolVersions ?? [PROTOCOL_VERSION];
        if (!speaks.includes(chosen)) {
          throw new MeerkatError(
            'MEERKAT_PROTOCOL',
            `client ${this.id}: the coordinator chose protocol v${chosen}, this client speaks [${speaks.join(', ')}]; upgrade the older side`,
          );
        }
        if (
          run.layoutFingerprint !== this.options.layoutFingerprint ||
          run.k !== this.options.replica.k
        ) {
          throw new MeerkatError(
            'MEERKAT_PROTOCOL',
            `client ${this.id}: the run trains k = ${run.k} values of a model with layout ${run.layoutFingerprint}, this client holds k = ${this.options.replica.k} of ${this.options.layoutFingerprint}`,
          );
        }
        this.run = run;
        return;
      }
      case 'announce':
        await this.runRound(message);
        return;
      case 'finish':
        this.options.replica.catchUp(message.catchUp);
        return;
    }
  }

  private async runRound(a: AnnounceMessage): Promise<void> {
    const run = this.run;
    if (run === undefined)
      throw new MeerkatError('MEERKAT_PROTOCOL', `client ${this.id}: announce before welcome`);
    const { replica, model, task, examples, labels } = this.options;
    replica.catchUp(a.catchUp);
    if (replica.round !== a.round) {
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `client ${this.id}: holds θ of round ${replica.round}, the announce is for round ${a.round}`,
      );
    }
    const cursor = new ClientDataCursor(this.id, examples.length, BigInt(run.dataSeed), a.cursor);
    const batch = () => {
      const idx = cursor.next(run.batchSize);
      return {
        batchExamples: Array.from(idx, (i) => examples[i]!),
        gold: Int32Array.from(idx, (i) => labels[i]!),
      };
    };
    const theta = replica.theta();
    const losses: number[] = [];
    let forwardPasses = 0;
    let skipped = 0;
    const g = new Float64Array(run.optimizer === 'zo' ? a.steps * run.directions : 0);
    let delta = new Float32Array(0);
    if (run.optimizer === 'zo') {
      const optimizer = new ZoOptimizer(theta, {
        lr: run.lr,
        eps: run.eps,
        directions: run.directions,
        distribution: run.distribution,
        onNonFinite: 'skip',
        scalars: 'float32',
        ...(this.options.directionPool === undefined
          ? {}
          : { directionPool: this.options.directionPool }),
      });
      const runSeed = BigInt(run.runSeed);
      for (let t = 0; t < a.steps; t++) {
        const { batchExamples, gold } = batch();
        const result = await optimizer.step(
          async (values) => {
            replica.write(values);
            return task.batchLoss(model, batchExamples, gold);
          },
          deriveSeed(runSeed, a.round, this.id, t),
        );
        forwardPasses += result.forwardPasses;
        if (result.record === undefined || result.skipped) {
          skipped++;
          continue;
        }
        losses.push(result.loss);
        const gs = result.record.gs ?? [result.record.g];
        for (let d = 0; d < run.directions; d++) g[t * run.directions + d] = gs[d]!;
      }
    } else {
      this.groups ??= groupIndices(model, replica.view.indices);
      const start = theta.slice();
      for (let t = 0; t < a.steps; t++) {
        const { batchExamples, gold } = batch();
        replica.write(theta);
        const { value, gradient } = await maskedGradient(model, this.groups, theta.length, () =>
          task.batchLossTensor(model, batchExamples, gold),
        );
        forwardPasses++;
        if (!Number.isFinite(value)) {
          skipped++;
          continue;
        }
        losses.push(value);
        for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! - run.lr * gradient[i]!;
      }
      delta = Float32Array.from(theta, (v, i) => v - start[i]!);
    }
    // Loss statistics travel as float32 in protocol v2: rounded here for every transport. (v2
    // sends the mean only; first and last stay in the message for v1 frames.)
    const mean = Math.fround(
      losses.length === 0 ? 0 : losses.reduce((s, v) => s + v, 0) / losses.length,
    );
    await this.options.link.send({
      v: 1,
      type: 'update',
      round: a.round,
      clientId: this.id,
      numSamples: examples.length,
      g,
      delta,
      loss: { mean, first: Math.fround(losses[0] ?? 0), last: Math.fround(losses.at(-1) ?? 0) },
      forwardPasses,
      skippedSteps: skipped,
    });
  }
}
