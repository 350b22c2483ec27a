import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type LlamaModel, loadTokenizer, LlamaModel as Model, TrainableView } from '@meerkat/lm';
import {
  createLayout,
  createSparseMask,
  decodeMask,
  encodeMask,
  magnitudeMask,
  maskEnergy,
  type ParameterLayout,
  randomMask,
  type SparseMask,
  SparseMaskError,
} from '@meerkat/sparse-mask';
import type { Backend } from '@meerkat/tensor';
import { DEFAULT_DIRECTION_POOL_THRESHOLD, type DirectionPool } from '@meerkat/zo-estimator';
import { createDirectionPool } from '@meerkat/zo-estimator/node';
import { gradientBackend, trainingBackend } from './backend.js';
import { calibrateConfiguredMask } from './calibration/calibrate-mask.js';
import { ModelReplica } from './client/model-replica.js';
import { TrainingClient } from './client/training-client.js';
import {
  type ParseRunConfigOptions,
  parseRunConfig,
  type RunConfig,
} from './config/parse-run-config.js';
import type { Clock } from './coordinator/clock.js';
import { type ClientInfo, Coordinator } from './coordinator/coordinator.js';
import {
  type RoundAggregator,
  SgdAggregator,
  ZoAggregator,
} from './coordinator/round-aggregator.js';
import { decodeTrainerCheckpoint, type TrainerState } from './coordinator/trainer-checkpoint.js';
import { partitionClients } from './data/partition-clients.js';
import { MeerkatError } from './errors.js';
import type { SetupEvent, TrainerEvent } from './events.js';
import { defaultLearningRate, METHOD_PRESETS } from './methods.js';
import { fullGradient } from './model/parameter-gradient.js';
import { InProcessTransport } from './protocol/in-process-transport.js';
import type { Transport } from './protocol/transport.js';
import { encodeThetaFile, RunDirectory } from './run-dir.js';
import type { RunSummary } from './run-files.js';
import { classPriorReferences } from './task/class-prior.js';
import { createTrainingTask, loadTaskSplit } from './task/task-setup.js';

/** Options of `new Meerkat(config, options)`. */
export interface MeerkatOptions extends ParseRunConfigOptions {
  /** A backend instance to use instead of `config.backend`. */
  readonly backend?: Backend;
  /** The transport between coordinator and clients (default: in-process simulation). */
  readonly transport?: Transport;
  /** Continue from RUN_DIR/checkpoint.bin (see `Meerkat.resume`). */
  readonly resume?: boolean;
  /** Time source of round deadlines (`roundDeadlineSeconds`); default wall time. For tests. */
  readonly clock?: Clock;
}

/**
 * A federated fine-tuning job (simulation mode): N clients share one loaded model; each keeps only
 * its data shard, and the coordinator and clients talk through a `Transport`.
 *
 * ```ts
 * const trainer = new Meerkat({ model: 'models/stories260K', runDir: 'runs/a', method: 'meerkat-vp' });
 * for await (const event of trainer.run()) if (event.type === 'round-end') console.log(event.metrics);
 * ```
 */
export class Meerkat {
  readonly config: RunConfig;
  private started = false;
  private thetaValue: Float32Array | undefined;
  private summaryValue: RunSummary | undefined;

  constructor(
    config: unknown,
    private readonly options: MeerkatOptions = {},
  ) {
    this.config = parseRunConfig(config, options);
  }

  /** A trainer that continues the run in `runDir` from its last checkpoint (config from config.json). */
  static resume(runDir: string, options: Omit<MeerkatOptions, 'resume' | 'baseDir'> = {}): Meerkat {
    const dir = new RunDirectory(runDir);
    if (!existsSync(dir.path('config'))) {
      throw new MeerkatError(
        'MEERKAT_CHECKPOINT_INVALID',
        `${runDir} has no ${basename(dir.path('config'))}: nothing to resume`,
      );
    }
    const config = JSON.parse(readFileSync(dir.path('config'), 'utf8')) as Record<string, unknown>;
    return new Meerkat({ ...config, runDir }, { ...options, resume: true });
  }

  /** θ after the last closed round (the trained values at the mask), once `run()` has started rounds. */
  get theta(): Float32Array | undefined {
    return this.thetaValue?.slice();
  }

  get summary(): RunSummary | undefined {
    return this.summaryValue;
  }

  /** Runs the job, yielding events; writes the run directory as `run-files.ts` describes. */
  async *run(): AsyncGenerator<TrainerEvent, RunSummary, void> {
    if (this.started)
      throw new MeerkatError(
        'MEERKAT_INVALID_STATE',
        'run() can be called once per Meerkat instance',
      );
    this.started = true;
    const { config } = this;
    const preset = METHOD_PRESETS[config.method];
    const runDir = new RunDirectory(config.runDir);
    const seed = BigInt(config.seed);

    let resumeFrom: { state: TrainerState; aggregator: Uint8Array } | undefined;
    if (this.options.resume === true) {
      if (existsSync(runDir.path('checkpoint'))) {
        resumeFrom = decodeTrainerCheckpoint(
          new Uint8Array(readFileSync(runDir.path('checkpoint'))),
        );
        runDir.truncateMetrics(resumeFrom.state.round);
      } else runDir.truncateMetrics(0);
    } else {
      if (existsSync(runDir.path('checkpoint')) || existsSync(runDir.path('metrics'))) {
        throw new MeerkatError(
          'MEERKAT_INVALID_STATE',
          `${config.runDir} already holds a run: resume it (Meerkat.resume) or choose another runDir`,
        );
      }
      runDir.writeJson('config', config);
    }

    const { backend, reason: backendReason } = await this.chooseBackend();
    const model = Model.load(config.model, backend);
    // Gradient work (calibration, mask energy) runs on a second copy of the model when the
    // zeroth-order backend computes forward passes only; it is freed once the setup is done.
    const gradient: { model: LlamaModel | null; reason: string | null } = {
      model: null,
      reason: null,
    };
    let directionPool: DirectionPool | undefined;
    const modelWithGradients = async (why: string): Promise<LlamaModel> => {
      if (backend.capabilities.gradients) return model;
      if (gradient.model === null) {
        const choice = await gradientBackend(why, backend);
        gradient.model = Model.load(config.model, choice.backend);
        gradient.reason = choice.reason;
      }
      return gradient.model;
    };
    try {
      const tokenizer = loadTokenizer(config.model);
      const layout = createLayout(model.specs);
      const task = createTrainingTask(config.task, tokenizer);
      const split = loadTaskSplit(config.task, task.labels, seed);
      const partition = partitionClients(config, split, seed);
      const { mask, source } = await this.resolveMask(
        model,
        () => modelWithGradients('mask calibration'),
        tokenizer,
        layout,
        runDir,
        seed,
      );
      let energy: SetupEvent['maskEnergy'] = null;
      if (task.differentiable && preset.mask !== 'all' && config.mask.energyExamples > 0) {
        const examples = split.train.slice(0, config.mask.energyExamples);
        const gold = split.trainLabels.subarray(0, examples.length);
        const energyModel = await modelWithGradients('mask energy');
        const { gradients } = await fullGradient(energyModel, () =>
          task.batchLossTensor(energyModel, examples, gold),
        );
        const e = maskEnergy(mask, layout, Object.fromEntries(gradients), { randomSeed: seed });
        energy = { fraction: e.fraction, ratioToRandom: e.ratioToRandom };
      }
      const lr = config.lr ?? defaultLearningRate(config.method, mask.indices.length);
      const view = await TrainableView.create(model, mask.indices);
      const replica = ModelReplica.create(view);
      const theta0 = replica.theta();

      const clients: ClientInfo[] = partition.clients.map((shard) => {
        const labels: Record<string, number> = Object.fromEntries(task.labels.map((l) => [l, 0]));
        // Label counts of a classification shard; causal-LM text has no labels ({}).
        if (task.labels.length > 0)
          for (const i of shard.indices) labels[task.labels[split.trainLabels[i]!]!]!++;
        return {
          id: shard.clientId,
          kind: shard.kind === 'extreme' ? 'extreme' : 'normal',
          numSamples: shard.indices.length,
          labels,
        };
      });
      const participation = { fraction: config.participation };
      let aggregator: RoundAggregator;
      if (resumeFrom !== undefined) {
        aggregator =
          preset.optimizer === 'zo'
            ? ZoAggregator.fromCheckpoint(resumeFrom.aggregator)
            : SgdAggregator.fromCheckpoint(resumeFrom.aggregator, { runSeed: seed, participation });
        // A simulation checkpoints its clients too: they resume holding the checkpointed θ.
        replica.catchUp({ kind: 'theta', round: aggregator.round, theta: aggregator.theta() });
      } else {
        aggregator =
          preset.optimizer === 'zo'
            ? ZoAggregator.create(
                { runSeed: seed, lr, directions: config.directions, participation },
                theta0,
              )
            : new SgdAggregator({ runSeed: seed, participation }, theta0);
      }
      this.thetaValue = aggregator.theta();

      const transport = this.options.transport ?? new InProcessTransport();
      // Full-parameter ZO generates d Gaussians per direction: one worker thread per core.
      if (preset.optimizer === 'zo' && mask.indices.length >= DEFAULT_DIRECTION_POOL_THRESHOLD) {
        directionPool = createDirectionPool();
      }
      const trainingClients = partition.clients.map(
        (shard) =>
          new TrainingClient({
            link: transport.client(shard.clientId),
            replica,
            model,
            task,
            examples: Array.from(shard.indices, (i) => split.train[i]!),
            labels: Int32Array.from(shard.indices, (i) => split.trainLabels[i]!),
            layoutFingerprint: layout.fingerprint,
            ...(directionPool === undefined ? {} : { directionPool }),
          }),
      );
      for (const c of trainingClients) await c.join();

      // Evaluation reads the test split, or the validation split when tuning (evaluation.split).
      const onValidation = config.evaluation.split === 'validation';
      const testExamples = (onValidation ? split.validation : split.test).slice(
        0,
        config.evaluation.testSize,
      );
      const testGold = (onValidation ? split.validationLabels : split.testLabels).subarray(
        0,
        testExamples.length,
      );
      const references =
        config.task.kind === 'classification'
          ? classPriorReferences(task.labels, split.trainLabels, testGold)
          : null;
      // Classification: accuracy and the restricted loss; causal-LM: token NLL and perplexity.
      const evaluate = async (theta: Float32Array) => {
        replica.write(theta);
        return task.evaluate(model, testExamples, testGold, config.evaluation.batchSize);
      };

      gradient.model?.dispose();
      gradient.model = null;
      yield {
        type: 'setup',
        backend: backend.name,
        backendReason,
        gradientBackend: gradient.reason,
        k: mask.indices.length,
        d: layout.size,
        lr,
        lrSource: config.lr === null ? 'default' : 'config',
        references,
        clients: clients.map((c) => ({ id: c.id, kind: c.kind, numSamples: c.numSamples })),
        maskSource: source,
        maskEnergy: energy,
        resumed: resumeFrom !== undefined,
        startRound: aggregator.round,
      };

      const coordinator = new Coordinator({
        config,
        link: transport.coordinator(),
        aggregator,
        clients,
        run: {
          runId: basename(config.runDir),
          runSeed: seed.toString(),
          dataSeed: seed.toString(),
          optimizer: preset.optimizer,
          lr,
          eps: config.eps,
          directions: config.directions,
          distribution: 'gaussian',
          batchSize: config.batchSize,
          k: mask.indices.length,
          layoutFingerprint: layout.fingerprint,
        },
        runDir,
        gPre: preset.mask === 'calibrated' ? (mask.gradMean ?? null) : null,
        evaluate,
        onTheta: (theta) => {
          this.thetaValue = theta;
        },
        layoutFingerprint: layout.fingerprint,
        ...(resumeFrom === undefined ? {} : { resumeFrom: resumeFrom.state }),
        ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
      });
      const summary: RunSummary = {
        ...(yield* coordinator.run()),
        ...(references === null ? {} : { references }),
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
      };
      await transport.close();
      writeFileSync(runDir.path('theta'), encodeThetaFile(aggregator.theta(), layout.fingerprint));
      runDir.writeJson('summary', summary);
      this.summaryValue = summary;
      yield { type: 'done', summary };
      return summary;
    } finally {
      await directionPool?.close();
      gradient.model?.dispose();
      if (this.options.backend === undefined) model.dispose();
    }
  }

  /**
   * The backend the run's clients and evaluation use: the one passed in, a gradient-capable one
   * for fedavg-sgd, else the configured name (`auto`: the fastest forward-capable backend).
   */
  private async chooseBackend(): Promise<{ backend: Backend; reason: string }> {
    const { config } = this;
    const given = this.options.backend;
    if (given !== undefined) return { backend: given, reason: 'passed to the trainer' };
    return trainingBackend(config);
  }

  /** The method's mask: a file, RUN_DIR/mask.bin from an earlier session, a calibration, or a baseline. */
  private async resolveMask(
    model: LlamaModel,
    modelWithGradients: () => Promise<LlamaModel>,
    tokenizer: ReturnType<typeof loadTokenizer>,
    layout: ParameterLayout,
    runDir: RunDirectory,
    seed: bigint,
  ): Promise<{ mask: SparseMask; source: SetupEvent['maskSource'] }> {
    const { config } = this;
    const kind = METHOD_PRESETS[config.method].mask;
    const density = { density: config.mask.density };
    if (kind === 'all') {
      return {
        mask: createSparseMask({
          fingerprint: layout.fingerprint,
          d: layout.size,
          indices: Uint32Array.from({ length: layout.size }, (_, i) => i),
        }),
        source: 'all',
      };
    }
    const saved = runDir.path('mask');
    if (kind === 'calibrated' && config.mask.file !== undefined) {
      return {
        mask: readMaskFile(config.mask.file, layout, config.method === 'meerkat-vp'),
        source: 'file',
      };
    }
    if (existsSync(saved))
      return { mask: readMaskFile(saved, layout, config.method === 'meerkat-vp'), source: kind };
    let mask: SparseMask;
    if (kind === 'random') mask = randomMask(layout, density, seed);
    else if (kind === 'magnitude') {
      const weights = new Float32Array(layout.size);
      let offset = 0;
      for (const spec of model.specs) {
        const w = await model.backend.download(model.weight(spec.name));
        weights.set(w, offset);
        offset += w.length;
      }
      mask = magnitudeMask(layout, weights, density);
    } else {
      mask = (
        await calibrateConfiguredMask(await modelWithGradients(), tokenizer, config.mask, seed)
      ).mask;
    }
    writeFileSync(saved, encodeMask(mask));
    return { mask, source: kind };
  }
}

/** Decodes a mask file for `layout`; another model's mask is `MEERKAT_MASK_MISMATCH`. */
export function readMaskFile(
  path: string,
  layout: ParameterLayout,
  needGradMean: boolean,
): SparseMask {
  if (!existsSync(path))
    throw new MeerkatError('MEERKAT_FILE_NOT_FOUND', `mask file ${path} does not exist`);
  let mask: SparseMask;
  try {
    mask = decodeMask(new Uint8Array(readFileSync(path)), layout);
  } catch (cause) {
    if (cause instanceof SparseMaskError && cause.code === 'MASK_LAYOUT_MISMATCH') {
      throw new MeerkatError(
        'MEERKAT_MASK_MISMATCH',
        `mask file ${path} belongs to another model: ${cause.message}`,
        { cause },
      );
    }
    throw cause;
  }
  if (needGradMean && mask.gradMean === undefined) {
    throw new MeerkatError(
      'MEERKAT_MASK_MISMATCH',
      `mask file ${path} has no gradMean (ḡ_pre), which meerkat-vp's GradIP needs: calibrate it with calibrateMask`,
    );
  }
  return mask;
}
