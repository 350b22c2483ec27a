import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type CliCommand, CliUsageError } from '@meerkat/cli-kit';
import { TrainableView } from '@meerkat/lm';
import { formatPercent } from '@meerkat/report';
import { createLayout, createSparseMask, type SparseMask } from '@meerkat/sparse-mask';
import type { LabeledExample } from '@meerkat/trainer';
import {
  CausalLmTask,
  ClassificationTask,
  decodeThetaFile,
  loadCsv,
  loadExamples,
  loadJsonl,
  loadModel,
  loadTaskSplit,
  loadTextFile,
  loadTextJsonl,
  MeerkatError,
  parseRunConfig,
  RUN_FILES,
  type RunConfig,
  readMaskFile,
  splitTaskData,
  TEXT_LABEL,
  verbalizerLoss,
} from '@meerkat/trainer';
import type { MeerkatIo } from '../cli-io.js';
import { BACKEND_FLAG, JSON_FLAG, MODEL_DESCRIPTION } from '../common-flags.js';
import { resolveModelArg } from '../model-arg.js';
import { resolvePath } from '../paths.js';
import { readJsonFile } from '../read-json-file.js';
import { runConfigDefaults } from '../schema-defaults.js';

/** The built-in labelled data `eval` scores a classification run on by default. */
const SPAM_ASSASSIN_DATA = 'builtin:spam-assassin';

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
    const thetaPath = resolvePath(io, args.string('theta'));
    if (!existsSync(thetaPath)) {
      throw new CliUsageError('CLI_INVALID_VALUE', `--theta ${thetaPath} does not exist`);
    }
    const modelFlag = args.optionalString('model');
    const configFlag = args.optionalString('config');
    // The model is needed to parse the config, and the config may name the model.
    let modelDir = modelFlag === undefined ? undefined : await resolveModelArg(io, modelFlag);
    if (modelDir === undefined) {
      const path =
        configFlag === undefined
          ? join(dirname(thetaPath), RUN_FILES.config)
          : resolvePath(io, configFlag);
      const json = existsSync(path)
        ? ((await readJsonFile(path, 'run config')) as { model?: unknown })
        : {};
      if (typeof json.model !== 'string') {
        throw new CliUsageError(
          'CLI_MISSING_FLAG',
          'eval needs --model MODEL: no run config names the model',
        );
      }
      modelDir = await resolveModelArg(io, json.model);
    }
    const { config, source } = await taskConfig(
      configFlag === undefined ? undefined : resolvePath(io, configFlag),
      thetaPath,
      modelDir,
    );
    const dataFlag = args.optionalString('data');
    const dataArg = dataFlag ?? SPAM_ASSASSIN_DATA;
    const batchSize = args.number('batch-size');
    const loaded = await loadModel(modelDir, args.string('backend'));
    try {
      const { model, tokenizer } = loaded;
      const layout = createLayout(model.specs);
      const { theta, layoutFingerprint } = decodeThetaFile(
        new Uint8Array(await readFile(thetaPath)),
      );
      if (layoutFingerprint !== layout.fingerprint) {
        throw new MeerkatError(
          'MEERKAT_MASK_MISMATCH',
          `${thetaPath} was trained on another model (layout ${layoutFingerprint}, this model ${layout.fingerprint})`,
        );
      }
      const maskFlag = args.optionalString('mask');
      const savedMask = join(dirname(thetaPath), 'mask.bin');
      let mask: SparseMask;
      if (maskFlag !== undefined) mask = readMaskFile(resolvePath(io, maskFlag), layout, false);
      else if (existsSync(savedMask)) mask = readMaskFile(savedMask, layout, false);
      else if (config.mask.file !== undefined) mask = readMaskFile(config.mask.file, layout, false);
      else if (theta.length === layout.size) {
        mask = createSparseMask({
          fingerprint: layout.fingerprint,
          d: layout.size,
          indices: Uint32Array.from({ length: layout.size }, (_, i) => i),
        });
      } else {
        throw new CliUsageError(
          'CLI_MISSING_FLAG',
          `eval needs --mask FILE: no mask.bin next to ${thetaPath}`,
        );
      }
      if (mask.indices.length !== theta.length) {
        throw new MeerkatError(
          'MEERKAT_MASK_MISMATCH',
          `${thetaPath} holds ${theta.length} values but the mask has k = ${mask.indices.length}: use the mask the run trained`,
        );
      }
      if (config.task.kind === 'causal-lm') {
        // Next-token loss and perplexity of the run's held-out chunks, or of the given text.
        const task = new CausalLmTask(tokenizer, config.task.seqLen);
        const examples =
          dataFlag === undefined
            ? loadTaskSplit(config.task, [], BigInt(config.seed)).test
            : resolvePath(io, dataFlag).endsWith('.jsonl')
              ? loadTextJsonl(resolvePath(io, dataFlag), config.task.chunkChars)
              : loadTextFile(resolvePath(io, dataFlag), config.task.chunkChars);
        const limit = Math.min(examples.length, args.optionalNumber('limit') ?? examples.length);
        const view = await TrainableView.create(model, mask.indices);
        view.write(theta);
        const scored = examples.slice(0, limit).map((e) => ({ ...e, label: TEXT_LABEL }));
        const r = await task.evaluate(model, scored, new Int32Array(limit), batchSize);
        const data = dataFlag ?? "the run's test split";
        const report = {
          theta: thetaPath,
          model: modelDir,
          data,
          task: source,
          examples: limit,
          k: mask.indices.length,
          loss: r.loss,
          perplexity: r.perplexity,
        };
        io.stdout.write(
          args.boolean('json')
            ? `${JSON.stringify(report, null, 2)}\n`
            : `perplexity ${r.perplexity?.toFixed(3)}, loss ${r.loss.toFixed(4)} (mean next-token NLL) on ${limit} chunks of ${data}\n`,
        );
        return 0;
      }
      const task = new ClassificationTask(
        tokenizer,
        config.task.template,
        config.task.verbalizer,
        config.task.maxTokens,
      );
      let examples: readonly LabeledExample[];
      let labels: Int32Array;
      if (dataArg === SPAM_ASSASSIN_DATA) {
        const split = splitTaskData(loadExamples({ source: 'spam-assassin' }), task.labels, {
          seed: BigInt(config.seed),
          testExamples: config.task.testExamples,
        });
        examples = split.test;
        labels = split.testLabels;
      } else if (dataArg.startsWith('builtin:')) {
        throw new CliUsageError(
          'CLI_INVALID_VALUE',
          `--data ${dataArg} is not a built-in data set; use ${SPAM_ASSASSIN_DATA} or a .jsonl/.csv file`,
        );
      } else {
        const path = resolvePath(io, dataArg);
        const all = path.endsWith('.csv')
          ? loadCsv(path)
          : path.endsWith('.jsonl')
            ? loadJsonl(path)
            : null;
        if (all === null) {
          throw new CliUsageError(
            'CLI_INVALID_VALUE',
            `--data ${dataArg} must end in .jsonl or .csv (or be ${SPAM_ASSASSIN_DATA})`,
          );
        }
        examples = all;
        labels = Int32Array.from(all, (e) => {
          const id = task.labels.indexOf(e.label);
          if (id < 0) {
            throw new MeerkatError(
              'MEERKAT_DATA_INVALID',
              `${e.source ?? path}: label ${JSON.stringify(e.label)} is not in the verbalizer (allowed: ${task.labels.map((l) => JSON.stringify(l)).join(' | ')})`,
            );
          }
          return id;
        });
      }
      const limit = Math.min(examples.length, args.optionalNumber('limit') ?? examples.length);
      const prompts = examples.slice(0, limit).map((e) => task.encode(e.text));
      const gold = labels.subarray(0, limit);
      const view = await TrainableView.create(model, mask.indices);
      view.write(theta);
      const result = await verbalizerLoss(model, task, prompts, gold, batchSize);
      let hits = 0;
      const perLabel = task.labels.map(() => ({ n: 0, hits: 0 }));
      for (let i = 0; i < limit; i++) {
        const entry = perLabel[gold[i] as number] as { n: number; hits: number };
        entry.n++;
        if (result.predictions[i] === gold[i]) {
          hits++;
          entry.hits++;
        }
      }
      const report = {
        theta: thetaPath,
        model: modelDir,
        data: dataArg,
        task: source,
        examples: limit,
        k: mask.indices.length,
        accuracy: hits / limit,
        loss: result.loss,
        perLabel: Object.fromEntries(
          task.labels.map((l, i) => [
            l,
            {
              examples: perLabel[i]?.n ?? 0,
              accuracy: (perLabel[i]?.hits ?? 0) / Math.max(1, perLabel[i]?.n ?? 0),
            },
          ]),
        ),
      };
      io.stdout.write(
        args.boolean('json')
          ? `${JSON.stringify(report, null, 2)}\n`
          : `accuracy ${formatPercent(report.accuracy)} (${hits}/${limit}), loss ${result.loss.toFixed(4)} on ${dataArg}; per label: ${task.labels
              .map(
                (l, i) =>
                  `${l} ${formatPercent((perLabel[i]?.hits ?? 0) / Math.max(1, perLabel[i]?.n ?? 0))} of ${perLabel[i]?.n ?? 0}`,
              )
              .join(', ')}\n`,
      );
      return 0;
    } finally {
      loaded.dispose();
    }
  },
};
