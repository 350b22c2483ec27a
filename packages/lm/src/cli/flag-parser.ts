import { CliUsageError } from './cli-usage-error.js';

/** How a flag's value is read. */
export type FlagKind = 'string' | 'integer' | 'number' | 'switch' | 'choice';

/** One `--flag` of a command. */
export interface FlagSpec {
  /** Without the dashes: `'max-new-tokens'`. */
  readonly name: string;
  readonly kind: FlagKind;
  /** One line for `--help`. */
  readonly description: string;
  /** Placeholder in `--help` (`N`, `DIR`); default derived from the kind. */
  readonly valueName?: string;
  /** Allowed values of a `'choice'` flag. */
  readonly choices?: readonly string[];
  /** Inclusive bounds of an `'integer'` / `'number'` flag. */
  readonly min?: number;
  readonly max?: number;
  readonly required?: boolean;
  /** The value when the flag is absent (switches default to false). */
  readonly default?: string | number;
}

/** A required bare argument of a command (`meerkat-lm fetch NAME`). */
export interface PositionalSpec {
  /** Placeholder in `--help` and messages: `NAME`. */
  readonly name: string;
  readonly description: string;
}

/** A command's name, one-line summary and flags (what `--help` prints). */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Extra lines for `--help` (examples, notes). */
  readonly details?: readonly string[];
  /** Required bare arguments, in order (most commands take only flags). */
  readonly positionals?: readonly PositionalSpec[];
  readonly flags: readonly FlagSpec[];
}

/** The flags of one command line, validated and with defaults applied. */
export class ParsedFlags {
  readonly command: string;
  /** The bare arguments, as many as the spec's `positionals`. */
  readonly positionals: readonly string[];
  private readonly values: ReadonlyMap<string, string | number | boolean>;

  constructor(
    command: string,
    values: ReadonlyMap<string, string | number | boolean>,
    positionals: readonly string[] = [],
  ) {
    this.command = command;
    this.values = values;
    this.positionals = positionals;
  }

  /** Whether the flag was given (or has a default). */
  has(name: string): boolean {
    return this.values.has(name);
  }

  /** A string or choice flag that is required or has a default. */
  string(name: string): string {
    const v = this.optionalString(name);
    if (v === undefined) throw new Error(`flag --${name} has no value and no default`);
    return v;
  }

  optionalString(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  /** An integer or number flag that is required or has a default. */
  number(name: string): number {
    const v = this.values.get(name);
    if (typeof v !== 'number') throw new Error(`flag --${name} has no value and no default`);
    return v;
  }

  switch(name: string): boolean {
    return this.values.get(name) === true;
  }
}

function placeholder(flag: FlagSpec): string {
  if (flag.valueName !== undefined) return flag.valueName;
  if (flag.kind === 'choice') return (flag.choices ?? []).join('|');
  return flag.kind === 'string' ? 'TEXT' : 'N';
}

/** What a flag accepts, in words, for error messages. */
export function allowedValues(flag: FlagSpec): string {
  switch (flag.kind) {
    case 'choice':
      return `one of ${(flag.choices ?? []).join(', ')}`;
    case 'integer':
    case 'number': {
      const what = flag.kind === 'integer' ? 'an integer' : 'a number';
      if (flag.min !== undefined && flag.max !== undefined) {
        return `${what} from ${flag.min} to ${flag.max}`;
      }
      if (flag.min !== undefined) return `${what} ≥ ${flag.min}`;
      if (flag.max !== undefined) return `${what} ≤ ${flag.max}`;
      return what;
    }
    case 'switch':
      return 'no value';
    default:
      return `a ${placeholder(flag)}`;
  }
}

const INTEGER_SYNTAX = /^[+-]?\d+$/;
const DECIMAL_SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function readValue(spec: CommandSpec, flag: FlagSpec, raw: string): string | number {
  const where = spec.name;
  if (flag.kind === 'string') return raw;
  if (flag.kind === 'choice') {
    if (!(flag.choices ?? []).includes(raw)) {
      throw new CliUsageError(
        'CLI_BAD_CHOICE',
        `--${flag.name} must be ${allowedValues(flag)}, got ${JSON.stringify(raw)}`,
        where,
      );
    }
    return raw;
  }
  // Plain decimal only (no hex, no whitespace, no Infinity): what a person means by a number.
  const syntax = flag.kind === 'integer' ? INTEGER_SYNTAX : DECIMAL_SYNTAX;
  const value = syntax.test(raw) ? Number(raw) : Number.NaN;
  const ok =
    Number.isFinite(value) &&
    (flag.kind !== 'integer' || Number.isSafeInteger(value)) &&
    (flag.min === undefined || value >= flag.min) &&
    (flag.max === undefined || value <= flag.max);
  if (!ok) {
    throw new CliUsageError(
      'CLI_BAD_NUMBER',
      `--${flag.name} must be ${allowedValues(flag)}, got ${JSON.stringify(raw)}`,
      where,
    );
  }
  return value;
}

/**
 * Parses `argv` (the words after the command name) against `spec`: `--name value`,
 * `--name=value`, and bare `--name` for switches. A value is the next word unless that word
 * starts with `--` (then the value is missing); a value that itself starts with `--` needs the
 * `--name=value` form. Every rule broken is a `CliUsageError` naming the flag and what it
 * allows. `--help` is handled by the caller before parsing.
 */
export function parseFlags(spec: CommandSpec, argv: readonly string[]): ParsedFlags {
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const values = new Map<string, string | number | boolean>();
  const wanted = spec.positionals ?? [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('--') && positionals.length < wanted.length) {
      positionals.push(word);
      continue;
    }
    if (!word.startsWith('--') || word === '--') {
      throw new CliUsageError(
        'CLI_UNEXPECTED_ARGUMENT',
        `unexpected argument ${JSON.stringify(word)}; ${spec.name} takes only --flags (${spec.flags.map((f) => `--${f.name}`).join(', ')})`,
        spec.name,
      );
    }
    const eq = word.indexOf('=');
    const name = word.slice(2, eq < 0 ? undefined : eq);
    const flag = byName.get(name);
    if (flag === undefined) {
      throw new CliUsageError(
        'CLI_UNKNOWN_FLAG',
        `unknown flag --${name} for ${spec.name}; allowed: ${spec.flags.map((f) => `--${f.name}`).join(', ')}`,
        spec.name,
      );
    }
    if (values.has(name)) {
      throw new CliUsageError('CLI_REPEATED_FLAG', `--${name} is given twice`, spec.name);
    }
    if (flag.kind === 'switch') {
      if (eq >= 0) {
        throw new CliUsageError(
          'CLI_UNEXPECTED_ARGUMENT',
          `--${name} is a switch and takes no value, got ${JSON.stringify(word.slice(eq + 1))}`,
          spec.name,
        );
      }
      values.set(name, true);
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = word.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        raw = next;
        i++;
      }
    }
    if (raw === undefined) {
      throw new CliUsageError(
        'CLI_MISSING_VALUE',
        `--${name} needs a value: ${allowedValues(flag)}`,
        spec.name,
      );
    }
    values.set(name, readValue(spec, flag, raw));
  }
  const missing = wanted[positionals.length];
  if (missing !== undefined) {
    throw new CliUsageError(
      'CLI_MISSING_ARGUMENT',
      `${spec.name} needs ${missing.name} (${missing.description})`,
      spec.name,
    );
  }
  for (const flag of spec.flags) {
    if (values.has(flag.name)) continue;
    if (flag.default !== undefined) values.set(flag.name, flag.default);
    else if (flag.required === true) {
      throw new CliUsageError(
        'CLI_MISSING_FLAG',
        `${spec.name} needs --${flag.name} ${placeholder(flag)} (${flag.description})`,
        spec.name,
      );
    }
  }
  return new ParsedFlags(spec.name, values, positionals);
}

/** The `--help` text of a command. */
export function commandHelp(program: string, spec: CommandSpec): string {
  const usage = spec.flags
    .map((f) => {
      const text = f.kind === 'switch' ? `--${f.name}` : `--${f.name} ${placeholder(f)}`;
      return f.required === true ? text : `[${text}]`;
    })
    .join(' ');
  const width = Math.max(
    ...spec.flags.map((f) => (f.kind === 'switch' ? 0 : placeholder(f).length + 1) + f.name.length),
  );
  const args = (spec.positionals ?? []).map((p) => `${p.name} `).join('');
  const lines = [`Usage: ${program} ${spec.name} ${args}${usage}`, '', spec.summary, ''];
  if (spec.positionals !== undefined && spec.positionals.length > 0) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(width + 3)}  ${p.description}`);
    lines.push('');
  }
  lines.push('Flags:');
  for (const f of spec.flags) {
    const left = f.kind === 'switch' ? `--${f.name}` : `--${f.name} ${placeholder(f)}`;
    const notes: string[] = [];
    if (f.required === true) notes.push('required');
    if (f.default !== undefined) notes.push(`default ${f.default}`);
    const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
    lines.push(`  ${left.padEnd(width + 3)}  ${f.description}${suffix}`);
  }
  lines.push(`  ${'--help'.padEnd(width + 3)}  Print this help.`);
  if (spec.details !== undefined) lines.push('', ...spec.details);
  return `${lines.join('\n')}\n`;
}
