import { isAbsolute, resolve } from 'node:path';
import { participantCount } from '@meerkat/fed-aggregate';
import type { z } from 'zod';
import { type ConfigIssue, formatConfigIssue, MeerkatError } from '../errors.js';
import { type ParsedRunConfig, runConfigSchema } from './run-config-schema.js';

type Partition = NonNullable<ParsedRunConfig['partition']>;

type ParsedTask = ParsedRunConfig['task'];

/** The resolved classification task: the verbalizer is always present. */
export type ClassificationTaskConfig = Omit<
  Extract<ParsedTask, { kind: 'classification' }>,
  'verbalizer'
> & {
  readonly verbalizer: Readonly<Record<string, string>>;
};

/** The resolved causal-LM task (next-token loss on the clients' own text). */
export type CausalLmTaskConfig = Extract<ParsedTask, { kind: 'causal-lm' }>;

/** The resolved task section, by `kind`. */
export type TaskConfig = ClassificationTaskConfig | CausalLmTaskConfig;

/**
 * A validated run config with every default applied (method learning rate, verbalizer and
 * partition defaults) and every path absolute. This is what RUN_DIR/config.json holds.
 */
export type RunConfig = Readonly<
  Omit<ParsedRunConfig, 'lr' | 'partition' | 'task'> & {
    /**
     * The configured learning rate, or null for the method's default for the run's k trainable
     * values (`defaultLearningRate`, resolved at setup and recorded in summary.json).
     */
    readonly lr: number | null;
    readonly partition: Partition;
    readonly task: TaskConfig;
  }
>;

/** Options of `parseRunConfig`. */
export interface ParseRunConfigOptions {
  /** Relative paths in the config are resolved against this directory (default: cwd). */
  readonly baseDir?: string;
}

/** The SpamAssassin verbalizer of DESIGN.md §6 (both words are single stories260K tokens). */
export const SPAM_ASSASSIN_VERBALIZER: Readonly<Record<string, string>> = {
  ham: ' Lily',
  spam: ' Tim',
};

/**
 * DESIGN.md §6's Non-IID setup: one all-spam and one all-ham client, the rest IID mixtures. (With
 * two labels, Dirichlet(0.5) "normal" clients are often nearly single-label themselves; the
 * detector then flags them too — measured, see the README. Choose it with `normal: { dirichlet }`.)
 */
export const DEFAULT_SPAM_PARTITION: Partition = {
  kind: 'extreme',
  extreme: [{ label: 'spam' }, { label: 'ham' }],
  normal: 'iid',
};

/**
 * Validates a run config at the boundary and resolves it. Every problem is collected and thrown
 * at once as a `MeerkatError('MEERKAT_CONFIG_INVALID')` whose `issues` give each problem's path,
 * message and allowed values, and whose message lists them one per line as
 * `path: message (allowed: …)`.
 */
export function parseRunConfig(input: unknown, options: ParseRunConfigOptions = {}): RunConfig {
  const parsed = runConfigSchema.safeParse(input);
  if (!parsed.success) throw configError(parsed.error.issues.map((i) => toIssue(i, input)));
  const c = parsed.data;
  const issues: ConfigIssue[] = [];
  const { partition, verbalizer } =
    c.task.kind === 'causal-lm'
      ? { partition: causalLmPartition(c, c.task, issues), verbalizer: undefined }
      : classificationDefaults(c, c.task, issues);
  const evaluated =
    c.evaluation.split === 'validation'
      ? { size: c.task.validationExamples, field: 'task.validationExamples' }
      : { size: c.task.testExamples, field: 'task.testExamples' };
  if (c.evaluation.testSize > evaluated.size) {
    issues.push({
      path: 'evaluation.testSize',
      message: `${c.evaluation.testSize} is more than the ${evaluated.size} held-out examples of the ${c.evaluation.split} split`,
      allowed: `1 … ${evaluated.field} (${evaluated.size})`,
    });
  }
  if (c.method === 'meerkat-vp') {
    const path = c.vp.calibrationRounds * c.vp.calibrationSteps;
    for (const key of ['initialSteps', 'laterSteps'] as const) {
      if (c.vp.detector[key] > path) {
        issues.push({
          path: `vp.detector.${key}`,
          message: `the window (${c.vp.detector[key]} steps) is longer than the calibration path (${c.vp.calibrationRounds} × ${c.vp.calibrationSteps} steps)`,
          allowed: `1 … ${path}`,
        });
      }
    }
  }
  issues.push(...quorumIssues(c));
  if (issues.length > 0) throw configError(issues);
  const base = options.baseDir ?? process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const data =
    'path' in c.task.data ? { ...c.task.data, path: abs(c.task.data.path) } : c.task.data;
  const corpus = c.mask.calibration.corpus;
  return {
    ...c,
    model: abs(c.model),
    runDir: abs(c.runDir),
    lr: c.lr ?? null,
    partition,
    task:
      c.task.kind === 'causal-lm'
        ? { ...c.task, data: data as CausalLmTaskConfig['data'] }
        : { ...c.task, data: data as ClassificationTaskConfig['data'], verbalizer: verbalizer! },
    mask: {
      ...c.mask,
      ...(c.mask.file === undefined ? {} : { file: abs(c.mask.file) }),
      calibration: {
        ...c.mask.calibration,
        corpus: corpus.startsWith('builtin:') ? corpus : abs(corpus),
      },
    },
  };
}

/** A classification task's verbalizer and partition, defaults applied (SpamAssassin: DESIGN.md §6). */
function classificationDefaults(
  c: ParsedRunConfig,
  task: Extract<ParsedTask, { kind: 'classification' }>,
  issues: ConfigIssue[],
): { partition: Partition; verbalizer: Readonly<Record<string, string>> | undefined } {
  const isSpam = task.data.source === 'spam-assassin';
  const verbalizer = task.verbalizer ?? (isSpam ? SPAM_ASSASSIN_VERBALIZER : undefined);
  if (verbalizer === undefined) {
    issues.push({
      path: 'task.verbalizer',
      message: `required for ${task.data.source} data: map every label to the word the model should continue with`,
      allowed: 'an object such as { "negative": " bad", "positive": " good" }',
    });
  } else if (Object.keys(verbalizer).length < 2) {
    issues.push({
      path: 'task.verbalizer',
      message: `needs at least 2 labels, got ${Object.keys(verbalizer).length}`,
    });
  }
  const labels = Object.keys(verbalizer ?? {});
  const partition: Partition =
    c.partition ??
    (isSpam ? DEFAULT_SPAM_PARTITION : { kind: 'dirichlet', alpha: 0.5, minSize: 16 });
  if (partition.kind === 'extreme') {
    if (partition.extreme.length > c.clients) {
      issues.push({
        path: 'partition.extreme',
        message: `${partition.extreme.length} extreme clients but only ${c.clients} clients in all`,
        allowed: `at most clients (${c.clients}) entries`,
      });
    }
    partition.extreme.forEach((e, i) => {
      if (verbalizer !== undefined && !labels.includes(e.label)) {
        issues.push({
          path: `partition.extreme.${i}.label`,
          message: `unknown label ${JSON.stringify(e.label)}`,
          allowed: labels.map((l) => JSON.stringify(l)).join(' | '),
        });
      }
    });
  }
  return { partition, verbalizer };
}

/**
 * A causal-LM task's partition: text has no labels, so only `iid` (the default) and `groups` (one
 * client per JSONL `group`, or per president for `sotu`) apply.
 */
function causalLmPartition(
  c: ParsedRunConfig,
  task: Extract<ParsedTask, { kind: 'causal-lm' }>,
  issues: ConfigIssue[],
): Partition {
  const partition: Partition = c.partition ?? { kind: 'iid' };
  if (partition.kind === 'dirichlet' || partition.kind === 'extreme') {
    issues.push({
      path: 'partition.kind',
      message: `the '${partition.kind}' partition deals examples by label, and a causal-lm task's text has no labels`,
      allowed: "'iid' | 'groups'",
    });
  } else if (partition.kind === 'groups' && task.data.source === 'text') {
    issues.push({
      path: 'partition.kind',
      message:
        'a text file has no groups for the \'groups\' partition: use JSONL rows with a "group" field, or the sotu source (one group per president)',
      allowed: "'iid'",
    });
  }
  return partition;
}

/** `minQuorum` is a count or a fraction, at most the sampled clients, and only with a deadline. */
function quorumIssues(c: ParsedRunConfig): ConfigIssue[] {
  const q = c.minQuorum;
  if (q === undefined) return [];
  const sampled = participantCount(c.clients, { fraction: c.participation });
  const allowed = `an integer count 1 … ${sampled} (the sampled clients) or a fraction in (0, 1)`;
  const issues: ConfigIssue[] = [];
  if (c.roundDeadlineSeconds === undefined) {
    issues.push({
      path: 'minQuorum',
      message:
        'a quorum needs a round deadline: without roundDeadlineSeconds every round waits for every sampled client',
      allowed: 'set roundDeadlineSeconds, or leave minQuorum out',
    });
  }
  if (q >= 1 && !Number.isInteger(q)) {
    issues.push({
      path: 'minQuorum',
      message: `${q} is neither a whole count nor a fraction below 1`,
      allowed,
    });
  } else if (q > sampled) {
    issues.push({
      path: 'minQuorum',
      message: `${q} is more than the ${sampled} clients sampled per round`,
      allowed,
    });
  }
  return issues;
}

function configError(issues: readonly ConfigIssue[]): MeerkatError {
  const lines = issues.map((i) => `  ${formatConfigIssue(i)}`).join('\n');
  return new MeerkatError(
    'MEERKAT_CONFIG_INVALID',
    `invalid run config (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines}`,
    { issues },
  );
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** The keys the schema accepts at `path` (for unrecognized-key issues), following `input`. */
function knownKeys(path: readonly PropertyKey[], input: unknown): string[] | undefined {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's internal definition tree
  let schema: any = runConfigSchema;
  for (let i = 0; i <= path.length; i++) {
    for (;;) {
      const def = schema?._zod?.def;
      if (def === undefined) return undefined;
      if (['optional', 'default', 'prefault', 'nullable'].includes(def.type)) {
        schema = def.innerType;
      } else if (def.type === 'union') {
        const here = valueAt(input, path.slice(0, i));
        const options: unknown[] = def.options;
        // biome-ignore lint/suspicious/noExplicitAny: zod internals
        const match = options.find((o: any) => {
          const shape = o?._zod?.def?.shape;
          if (shape === undefined || here === null || typeof here !== 'object') return false;
          const disc = def.discriminator as string | undefined;
          if (disc === undefined) return true;
          // A defaulted discriminator (task.kind) matches input that leaves it out.
          const value = (here as Record<string, unknown>)[disc];
          const field = shape[disc]?._zod?.def;
          if (field?.type !== 'default') return field?.values?.includes(value);
          return value === undefined || field.innerType?._zod?.def?.values?.includes(value);
        });
        if (match === undefined) return undefined;
        schema = match;
      } else break;
    }
    const def = schema._zod.def;
    if (i === path.length) return def.type === 'object' ? Object.keys(def.shape) : undefined;
    const key = path[i]!;
    if (def.type === 'object') schema = def.shape[key as string];
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else return undefined;
  }
  return undefined;
}

function toIssue(issue: z.core.$ZodIssue, input: unknown): ConfigIssue {
  const path = issue.path.map(String).join('.');
  const received = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected =
        issue.expected === 'int'
          ? 'an integer'
          : `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
      return received === undefined
        ? { path, message: 'required', allowed: expected }
        : { path, message: `expected ${expected}, got ${describe(received)}`, allowed: expected };
    }
    case 'invalid_value':
      return {
        path,
        message: `unknown value ${describe(received)}`,
        allowed: issue.values.map((v) => JSON.stringify(v)).join(' | '),
      };
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      const disc = (issue as { discriminator?: string }).discriminator;
      if (options !== undefined && disc !== undefined) {
        const at = issue.path.length > 0 ? issue.path : [disc];
        const value = valueAt(input, at);
        return {
          path: at.map(String).join('.'),
          message: value === undefined ? 'required' : `unknown value ${describe(value)}`,
          // An optional discriminator (task.kind) lists `undefined` among its values.
          allowed: options
            .filter((v) => v !== undefined && v !== null)
            .map((v) => JSON.stringify(v))
            .join(' | '),
        };
      }
      return { path, message: `not one of the accepted forms (got ${describe(received)})` };
    }
    case 'too_small': {
      const op = issue.inclusive ? '≥' : '>';
      const what =
        issue.origin === 'array' ? 'entries' : issue.origin === 'string' ? 'characters' : '';
      return {
        path,
        message: `${describe(received)} is too small`,
        allowed: `${op} ${String(issue.minimum)}${what === '' ? '' : ` ${what}`}`,
      };
    }
    case 'too_big': {
      const op = issue.inclusive ? '≤' : '<';
      return {
        path,
        message: `${describe(received)} is too large`,
        allowed: `${op} ${String(issue.maximum)}`,
      };
    }
    case 'unrecognized_keys': {
      const known = knownKeys(issue.path, input);
      return {
        path:
          issue.keys.length === 1 ? [...issue.path, issue.keys[0]!].map(String).join('.') : path,
        message: `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`,
        ...(known === undefined ? {} : { allowed: known.join(', ') }),
      };
    }
    default:
      return { path, message: issue.message };
  }
}
