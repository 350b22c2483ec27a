import { basename } from 'node:path';
import { type LlamaModel, type LmTokenizer, loadTokenizer, LlamaModel as Model } from '@meerkat/lm';
import {
  createLayout,
  maskEnergy,
  type ParameterLayout,
  type SparseMask,
} from '@meerkat/sparse-mask';
import type { Backend } from '@meerkat/tensor';
import { gradientBackend, trainingBackend } from '../backend.js';
import type { RunConfig } from '../config/parse-run-config.js';
import type { ClientInfo } from '../coordinator/coordinator.js';
import type { SetupEvent } from '../events.js';
import { defaultLearningRate, METHOD_PRESETS, type MethodPreset } from '../methods.js';
import { fullGradient } from '../model/parameter-gradient.js';
import type { RunDescriptor } from '../protocol/messages.js';
import type { RunDirectory } from '../run-dir.js';
import { type ClassPriorReferences, classPriorReferences } from '../task/class-prior.js';
import { createTrainingTask } from '../task/task-setup.js';
import type { TaskEvaluation, TrainingTask } from '../task/training-task.js';
import { type ClientReplica, createClientReplica } from './client-replica.js';
import { type ClientShards, configuredShards } from './client-shards.js';
import { resolveMask } from './resolve-mask.js';

/** Options of {@link prepareRun}. */
export interface PrepareRunOptions {
  /** A backend instance to use instead of `config.backend` (the caller keeps ownership of it). */
  readonly backend?: Backend;
}

/**
 * Everything a run needs before its first round, prepared once: the model and its layout, the
 * task and the configured data with each client's shard, the mask, the learning rate, the run
 * descriptor every client receives, and the coordinator's evaluation. The simulation (`Meerkat`)
 * and `serveRun` both start from a plan; `joinRun` uses the same pieces (`configuredShards`,
 * `createClientReplica`) for its one client.
 */
export interface RunPlan {
  readonly config: RunConfig;
  readonly preset: MethodPreset;
  readonly backend: Backend;
  readonly backendReason: string;
  /** Where gradient work ran when not on `backend` (see `SetupEvent.gradientBackend`). */
  readonly gradientReason: string | null;
  readonly model: LlamaModel;
  readonly tokenizer: LmTokenizer;
  readonly layout: ParameterLayout;
  readonly task: TrainingTask;
  readonly shards: ClientShards;
  readonly clients: readonly ClientInfo[];
  readonly mask: SparseMask;
  readonly maskSource: SetupEvent['maskSource'];
  readonly maskEnergy: SetupEvent['maskEnergy'];
  readonly lr: number;
  /** What every client is told at join (seeds, ε, lr, k, layout). */
  readonly descriptor: RunDescriptor;
  /** ḡ_pre at the mask for GradIP (calibrated masks only), else null. */
  readonly gPre: Float32Array | null;
  readonly references: ClassPriorReferences | null;
  /** θ view of the plan's model: the evaluation's, and the simulation's clients share it. */
  readonly replica: ClientReplica;
  /** Held-out metrics of θ on the configured evaluation split. */
  evaluate(theta: Float32Array): Promise<TaskEvaluation>;
  /** The `setup` event of a run started from this plan. */
  setupEvent(start: { readonly resumed: boolean; readonly startRound: number }): SetupEvent;
  /** Frees the model (unless the backend was passed in) and the direction workers. */
  dispose(): Promise<void>;
}

/** Prepares a run: see {@link RunPlan}. `runDir` receives RUN_DIR/mask.bin when a mask is made. */
export async function prepareRun(
  config: RunConfig,
  runDir: RunDirectory,
  options: PrepareRunOptions = {},
): Promise<RunPlan> {
  const preset = METHOD_PRESETS[config.method];
  const seed = BigInt(config.seed);
  const { backend, reason: backendReason } =
    options.backend !== undefined
      ? { backend: options.backend, reason: 'passed to the trainer' }
      : await trainingBackend(config);
  const model = Model.load(config.model, backend);
  // Gradient work (calibration, mask energy) runs on a second copy of the model when the
  // zeroth-order backend computes forward passes only; it is freed once the plan is made.
  let gradientModel: LlamaModel | null = null;
  let gradientReason: string | null = null;
  const modelWithGradients = async (why: string): Promise<LlamaModel> => {
    if (backend.capabilities.gradients) return model;
    if (gradientModel === null) {
      const choice = await gradientBackend(why, backend);
      gradientModel = Model.load(config.model, choice.backend);
      gradientReason = choice.reason;
    }
    return gradientModel;
  };
  const disposeModel = () => {
    if (options.backend === undefined) model.dispose();
  };
  try {
    const tokenizer = loadTokenizer(config.model);
    const layout = createLayout(model.specs);
    const task = createTrainingTask(config.task, tokenizer);
    const shards = configuredShards(config, task);
    const { split } = shards;
    const { mask, source } = await resolveMask({
      config,
      model,
      modelWithGradients: () => modelWithGradients('mask calibration'),
      tokenizer,
      layout,
      runDir,
    });
    const energy =
      task.differentiable && preset.mask !== 'all' && config.mask.energyExamples > 0
        ? await maskEnergyOf(
            await modelWithGradients('mask energy'),
            task,
            shards,
            mask,
            layout,
            config,
          )
        : null;
    (gradientModel as LlamaModel | null)?.dispose();
    gradientModel = null;
    const lr = config.lr ?? defaultLearningRate(config.method, mask.indices.length);
    const replica = await createClientReplica(model, mask, {
      directionPool: preset.optimizer === 'zo',
    });

    const { examples: testExamples, gold: testGold } = evaluationSet(config, split);
    const references =
      config.task.kind === 'classification'
        ? classPriorReferences(task.labels, split.trainLabels, testGold)
        : null;
    const descriptor: RunDescriptor = {
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
    };
    const gradientUsed = gradientReason;
    return {
      config,
      preset,
      backend,
      backendReason,
      gradientReason: gradientUsed,
      model,
      tokenizer,
      layout,
      task,
      shards,
      clients: shards.clients,
      mask,
      maskSource: source,
      maskEnergy: energy,
      lr,
      descriptor,
      gPre: preset.mask === 'calibrated' ? (mask.gradMean ?? null) : null,
      references,
      replica,
      // Classification: accuracy and the restricted loss; causal-LM: token NLL and perplexity.
      evaluate: async (theta) => {
        replica.replica.write(theta);
        return task.evaluate(model, testExamples, testGold, config.evaluation.batchSize);
      },
      setupEvent: ({ resumed, startRound }) => ({
        type: 'setup',
        backend: backend.name,
        backendReason,
        gradientBackend: gradientUsed,
        k: mask.indices.length,
        d: layout.size,
        lr,
        lrSource: config.lr === null ? 'default' : 'config',
        references,
        clients: shards.clients.map((c) => ({ id: c.id, kind: c.kind, numSamples: c.numSamples })),
        maskSource: source,
        maskEnergy: energy,
        resumed,
        startRound,
      }),
      dispose: async () => {
        await replica.close();
        disposeModel();
      },
    };
  } catch (error) {
    (gradientModel as LlamaModel | null)?.dispose();
    disposeModel();
    throw error;
  }
}

/**
 * Share of the task gradient's squared norm the mask holds, and that share ÷ k/d, on the first
 * `mask.energyExamples` training examples (reported only; never used to choose the mask).
 */
async function maskEnergyOf(
  model: LlamaModel,
  task: TrainingTask,
  shards: ClientShards,
  mask: SparseMask,
  layout: ParameterLayout,
  config: RunConfig,
): Promise<SetupEvent['maskEnergy']> {
  const examples = shards.split.train.slice(0, config.mask.energyExamples);
  const gold = shards.split.trainLabels.subarray(0, examples.length);
  const { gradients } = await fullGradient(model, () =>
    task.batchLossTensor(model, examples, gold),
  );
  const e = maskEnergy(mask, layout, Object.fromEntries(gradients), {
    randomSeed: BigInt(config.seed),
  });
  return { fraction: e.fraction, ratioToRandom: e.ratioToRandom };
}

/** The evaluated examples: the test split, or the validation split when tuning (`evaluation.split`). */
function evaluationSet(
  config: RunConfig,
  split: ClientShards['split'],
): { examples: ClientShards['split']['test']; gold: Int32Array } {
  const onValidation = config.evaluation.split === 'validation';
  const examples = (onValidation ? split.validation : split.test).slice(
    0,
    config.evaluation.testSize,
  );
  const gold = (onValidation ? split.validationLabels : split.testLabels).subarray(
    0,
    examples.length,
  );
  return { examples, gold };
}
