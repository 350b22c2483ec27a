import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CliCommand, CliUsageError, type ParsedArgs } from '@meerkat/cli-kit';
import { createLayout } from '@meerkat/sparse-mask';
import {
  CausalLmTask,
  type CausalLmTaskConfig,
  ClassificationTask,
  type ClassificationTaskConfig,
  type LoadedModel,
  loadModel,
  parseRunConfig,
  RUN_FILES,
  type RunConfig,
  TEXT_LABEL,
  verbalizerLoss,
} from '@meerkat/trainer';
import type { MeerkatIo } from '../cli-io.js';
import { BACKEND_FLAG, JSON_FLAG, MODEL_DESCRIPTION } from '../common-flags.js';
import {
  loadCausalLmEvalData,
  loadClassificationEvalData,
  SPAM_ASSASSIN_DATA,
} from '../eval-data.js';
import {
  causalLmOutcome,
  classificationOutcome,
  type EvalOutcome,
  type EvalRunInfo,
  printEvalOutcome,
} from '../eval-report.js';
import { resolveModelArg } from '../model-arg.js';
import { resolvePath } from '../paths.js';
import { readJsonFile } from '../read-json-file.js';
import { runConfigDefaults } from '../schema-defaults.js';
import { applyTrainedValues, readTrainedValues, type TrainedValues } from '../trained-values.js';

/** The flags of one `meerkat eval`, paths resolved against the working directory. */
interface EvalFlags {
  readonly thetaPath: string;
  readonly model: string | undefined;
  readonly configPath: string | undefined;
  readonly maskPath: string | undefined;
  /** --data as given (a built-in name or a path), or undefined for the default. */
  readonly data: string | undefined;
  readonly limit: number | undefined;
  readonly batchSize: number;
  readonly backend: string;
  readonly json: boolean;
}

/** What an evaluation of either task kind works with once the model and theta.bin are loaded. */
interface EvalContext {
  readonly io: MeerkatIo;
  readonly flags: EvalFlags;
  readonly modelDir: string;
  /** Where the task came from (see `taskConfig`). */
  readonly source: string;
  readonly loaded: LoadedModel;
  readonly trained: TrainedValues;
}

/** Reads the command line once, so the steps below see plain values. */
function readEvalFlags(io: MeerkatIo, args: ParsedArgs): EvalFlags {
  const optionalPath = (name: string) => {
    const value = args.optionalString(name);
    return value === undefined ? undefined : resolvePath(io, value);
  };
  return {
    thetaPath: resolvePath(io, args.string('theta')),
    model: args.optionalString('model'),
    configPath: optionalPath('config'),
    maskPath: optionalPath('mask'),
    data: args.optionalString('data'),
    limit: args.optionalNumber('limit'),
    batchSize: args.number('batch-size'),
    backend: args.string('backend'),
    json: args.boolean('json'),
  };
}

/**
 * The model directory: --model, else the model the run config names (the model is needed to
 * parse the config, and the config may name the model).
 */
async function evalModelDir(io: MeerkatIo, flags: EvalFlags): Promise<string> {
  if (flags.model !== undefined) return await resolveModelArg(io, flags.model);
  const path = flags.configPath ?? join(dirname(flags.thetaPath), RUN_FILES.config);
  const json = existsSync(path)
    ? ((await readJsonFile(path, 'run config')) as { model?: unknown })
    : {};
  if (typeof json.model !== 'string') {
    throw new CliUsageError(
      'CLI_MISSING_FLAG',
      'eval needs --model MODEL: no run config names the model',
    );
  }
  return await resolveModelArg(io, json.model);
}

/** The run config the task comes from: --config, else the run directory's config.json. */
async function taskConfig(
  configPath: string | undefined,
  thetaPath: string,
  model: string,
): Promise<{ config: RunConfig; source: string }> {
  const path = configPath ?? join(dirname(thetaPath), RUN_FILES.config);
  if (configPath !== undefined || existsSync(path)) {
    const json = (await readJsonFile(path, 'run config')) as Record<string, unknown>;
    return {
      config: parseRunConfig(
        { ...json, model, runDir: dirname(thetaPath) },
        { baseDir: dirname(path) },
      ),
      source: path,
    };
  }
  return {
    config: parseRunConfig({ model, runDir: dirname(thetaPath) }),
    source: 'defaults (SpamAssassin template and verbalizer)',
  };
}

/** The first `limit` examples (all of them without --limit). */
function firstExamples<T>(examples: readonly T[], limit: number | undefined): readonly T[] {
  return examples.slice(0, Math.min(examples.length, limit ?? examples.length));
}

/** Next-token loss and perplexity of the run's held-out chunks, or of the given text. */
async function evalCausalLm(
  { io, flags, modelDir, source, loaded, trained }: EvalContext,
  settings: CausalLmTaskConfig,
  seed: number,
): Promise<EvalOutcome> {
  const task = new CausalLmTask(loaded.tokenizer, settings.seqLen);
  const examples = loadCausalLmEvalData(io, flags.data, settings, seed);
  const scored = firstExamples(examples, flags.limit).map((e) => ({ ...e, label: TEXT_LABEL }));
  await applyTrainedValues(loaded.model, trained);
  const result = await task.evaluate(
    loaded.model,
    scored,
    new Int32Array(scored.length),
    flags.batchSize,
  );
  const info: EvalRunInfo = {
    theta: flags.thetaPath,
    model: modelDir,
    data: flags.data ?? "the run's test split",
    task: source,
    examples: scored.length,
    k: trained.mask.indices.length,
  };
  return causalLmOutcome(info, result);
}

/** Classification accuracy and loss, overall and per label, on the labelled data. */
async function evalClassification(
  { io, flags, modelDir, source, loaded, trained }: EvalContext,
  settings: ClassificationTaskConfig,
  seed: number,
): Promise<EvalOutcome> {
  const { template, verbalizer, maxTokens, testExamples } = settings;
  const task = new ClassificationTask(loaded.tokenizer, template, verbalizer, maxTokens);
  const data = flags.data ?? SPAM_ASSASSIN_DATA;
  const { examples, labels } = loadClassificationEvalData(io, data, task, { seed, testExamples });
  const prompts = firstExamples(examples, flags.limit).map((e) => task.encode(e.text));
  const gold = labels.subarray(0, prompts.length);
  await applyTrainedValues(loaded.model, trained);
  const result = await verbalizerLoss(loaded.model, task, prompts, gold, flags.batchSize);
  const info: EvalRunInfo = {
    theta: flags.thetaPath,
    model: modelDir,
    data,
    task: source,
    examples: prompts.length,
    k: trained.mask.indices.length,
  };
  return classificationOutcome(info, task.labels, gold, result);
}

export const evalCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'eval',
    summary:
      "Evaluate trained values: load the model, put theta.bin's values at the mask's indices, and report classification accuracy and loss on the data (a causal-lm run: next-token loss and perplexity).",
    brief: 'Evaluate trained values',
    flags: [
      {
        name: 'model',
        type: 'string',
        valueName: 'MODEL',
        description: MODEL_DESCRIPTION,
        default: { text: "the run config's model" },
      },
      {
        name: 'mask',
        type: 'string',
        valueName: 'FILE',
        description: 'mask file the run trained',
        default: {
          text: "RUN_DIR/mask.bin next to theta.bin, or the config's mask.file; full-zo: every parameter",
        },
      },
      {
        name: 'theta',
        type: 'string',
        valueName: 'FILE',
        required: true,
        description: 'RUN_DIR/theta.bin',
      },
      {
        name: 'data',
        type: 'string',
        valueName: 'SOURCE',
        description: `${SPAM_ASSASSIN_DATA} (the run's held-out test split), or a FILE.jsonl / FILE.csv with text and label; for a causal-lm run: its held-out test split (the default), a FILE.jsonl with text, or a text file`,
        default: { text: `${SPAM_ASSASSIN_DATA} (causal-lm: the run's test split)` },
      },
      {
        name: 'config',
        type: 'string',
        valueName: 'FILE.json',
        description:
          'run config giving the task (template, verbalizer, maxTokens, seed, testExamples)',
        default: { text: 'RUN_DIR/config.json' },
      },
      { name: 'limit', type: 'integer', min: 1, description: 'evaluate only the first N examples' },
      {
        name: 'batch-size',
        type: 'integer',
        min: 1,
        description: 'prompts per forward pass',
        default: () => runConfigDefaults().evaluation.batchSize,
      },
      BACKEND_FLAG,
      JSON_FLAG,
    ],
    details: [
      'Example: meerkat eval --theta runs/demo/theta.bin --data builtin:spam-assassin --limit 200',
    ],
  },
  async run(args, io) {
    const flags = readEvalFlags(io, args);
    if (!existsSync(flags.thetaPath)) {
      throw new CliUsageError('CLI_INVALID_VALUE', `--theta ${flags.thetaPath} does not exist`);
    }
    const modelDir = await evalModelDir(io, flags);
    const { config, source } = await taskConfig(flags.configPath, flags.thetaPath, modelDir);
    const loaded = await loadModel(modelDir, flags.backend);
    try {
      const trained = await readTrainedValues(flags.thetaPath, createLayout(loaded.model.specs), {
        maskPath: flags.maskPath,
        configMaskFile: config.mask.file,
      });
      const context: EvalContext = { io, flags, modelDir, source, loaded, trained };
      const outcome =
        config.task.kind === 'causal-lm'
          ? await evalCausalLm(context, config.task, config.seed)
          : await evalClassification(context, config.task, config.seed);
      printEvalOutcome(io, flags.json, outcome);
      return 0;
    } finally {
      loaded.dispose();
    }
  },
};
