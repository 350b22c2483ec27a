import { CliError } from './cli-error.js';

/** How a flag's value is read. */
export type FlagType = 'string' | 'number' | 'integer' | 'boolean';

export interface FlagSpec {
  /** Long name without dashes, e.g. `density` for `--density`. */
  readonly name: string;
  readonly type: FlagType;
  /** Placeholder in the help, e.g. `DIR`. */
  readonly value?: string;
  readonly description: string;
  /** For `integer`/`number`: the smallest allowed value (inclusive). */
  readonly min?: number;
  /** For `number`: the value must be strictly greater than this. */
  readonly greaterThan?: number;
  /** For `number`/`integer`: the largest allowed value (inclusive). */
  readonly max?: number;
  /** For `string`: the only allowed values. */
  readonly choices?: readonly string[];
  /** Shown in the help; the command applies it. */
  readonly defaultText?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  /** Takes every remaining argument (at least one when `required`). */
  readonly variadic?: boolean;
  readonly required?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  readonly positionals: readonly PositionalSpec[];
  /** Extra help paragraphs (examples, notes). */
  readonly notes?: readonly string[];
}

type FlagValue = string | number | boolean;

/** Parsed arguments with typed accessors. */
export class ParsedArgs {
  readonly #command: string;
  readonly #values: ReadonlyMap<string, FlagValue>;
  readonly positionals: readonly string[];
  readonly help: boolean;

  constructor(
    command: string,
    values: ReadonlyMap<string, FlagValue>,
    positionals: readonly string[],
    help: boolean,
  ) {
    this.#command = command;
    this.#values = values;
    this.positionals = positionals;
    this.help = help;
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  string(name: string): string | undefined {
    const v = this.#values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  number(name: string): number | undefined {
    const v = this.#values.get(name);
    return typeof v === 'number' ? v : undefined;
  }

  flag(name: string): boolean {
    return this.#values.get(name) === true;
  }

  /** The value of a flag the command cannot run without. */
  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined) {
      throw new CliError(
        'CLI_MISSING_ARGUMENT',
        `meerkat ${this.#command}: --${name} is required (see meerkat ${this.#command} --help)`,
      );
    }
    return v;
  }
}

function parseValue(command: string, spec: FlagSpec, raw: string): FlagValue {
  const flag = `--${spec.name}`;
  if (spec.type === 'string') {
    if (raw === '') {
      throw new CliError(
        'CLI_INVALID_VALUE',
        `meerkat ${command}: ${flag} needs a non-empty value`,
      );
    }
    if (spec.choices !== undefined && !spec.choices.includes(raw)) {
      throw new CliError(
        'CLI_INVALID_VALUE',
        `meerkat ${command}: ${flag} '${raw}' is not allowed; use one of ${spec.choices.join(', ')}`,
      );
    }
    return raw;
  }
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const kind = spec.type === 'integer' ? 'an integer' : 'a finite number';
  if (!Number.isFinite(value) || (spec.type === 'integer' && !Number.isInteger(value))) {
    throw new CliError(
      'CLI_INVALID_VALUE',
      `meerkat ${command}: ${flag} '${raw}' is not ${kind}${rangeText(spec)}`,
    );
  }
  if (
    (spec.min !== undefined && value < spec.min) ||
    (spec.max !== undefined && value > spec.max) ||
    (spec.greaterThan !== undefined && value <= spec.greaterThan)
  ) {
    throw new CliError(
      'CLI_INVALID_VALUE',
      `meerkat ${command}: ${flag} ${raw} is out of range; allowed: ${kind}${rangeText(spec)}`,
    );
  }
  return value;
}

function rangeText(spec: FlagSpec): string {
  const parts: string[] = [];
  if (spec.greaterThan !== undefined) parts.push(`> ${spec.greaterThan}`);
  if (spec.min !== undefined) parts.push(`≥ ${spec.min}`);
  if (spec.max !== undefined) parts.push(`≤ ${spec.max}`);
  return parts.length === 0 ? '' : ` ${parts.join(' and ')}`;
}

/**
 * Parses `argv` (the arguments after the command name) against `spec`: `--name value`,
 * `--name=value`, bare `--name` for booleans, `--` ends the flags, `-h`/`--help` asks for help.
 * Anything else is a `CliError` naming the flag or value and what is allowed.
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];
  let help = false;
  let flagsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (flagsEnded || !arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      flagsEnded = true;
      continue;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq === -1 ? undefined : eq) : '';
    const flag = byName.get(name);
    if (flag === undefined) {
      const allowed = spec.flags.map((f) => `--${f.name}`).join(', ');
      throw new CliError(
        'CLI_UNKNOWN_FLAG',
        `meerkat ${spec.name}: unknown option '${eq === -1 ? arg : arg.slice(0, eq)}'; ` +
          `allowed: ${allowed === '' ? '(none)' : `${allowed}, --help`}`,
      );
    }
    if (values.has(name)) {
      throw new CliError('CLI_INVALID_VALUE', `meerkat ${spec.name}: --${name} given twice`);
    }
    if (flag.type === 'boolean') {
      if (eq !== -1) {
        throw new CliError(
          'CLI_INVALID_VALUE',
          `meerkat ${spec.name}: --${name} is a switch and takes no value (got '${arg}')`,
        );
      }
      values.set(name, true);
      continue;
    }
    let raw: string | undefined;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      // A negative number is a value, any other dash-word is the next flag.
      if (next !== undefined && (!next.startsWith('-') || /^-\d|^-\.\d/.test(next))) {
        raw = next;
        i++;
      }
    }
    if (raw === undefined) {
      throw new CliError(
        'CLI_MISSING_VALUE',
        `meerkat ${spec.name}: --${name} needs a value (${flag.value ?? flag.type})`,
      );
    }
    values.set(name, parseValue(spec.name, flag, raw));
  }
  if (!help) checkPositionals(spec, positionals);
  return new ParsedArgs(spec.name, values, positionals, help);
}

function checkPositionals(spec: CommandSpec, positionals: readonly string[]): void {
  const variadic = spec.positionals.some((p) => p.variadic === true);
  const required = spec.positionals.filter((p) => p.required === true);
  if (positionals.length < required.length) {
    const missing = required[positionals.length] as PositionalSpec;
    throw new CliError(
      'CLI_MISSING_ARGUMENT',
      `meerkat ${spec.name}: missing ${missing.name} (${missing.description})`,
    );
  }
  if (!variadic && positionals.length > spec.positionals.length) {
    throw new CliError(
      'CLI_UNEXPECTED_ARGUMENT',
      `meerkat ${spec.name}: unexpected argument '${positionals[spec.positionals.length]}'` +
        (spec.positionals.length === 0
          ? ' (this command takes only options)'
          : ` (takes ${spec.positionals.map((p) => p.name).join(' ')})`),
    );
  }
}

/** The `meerkat <cmd> --help` text. */
export function formatCommandHelp(spec: CommandSpec): string {
  const usage = [
    `meerkat ${spec.name}`,
    ...spec.positionals.map((p) => {
      const name = p.variadic === true ? `${p.name}...` : p.name;
      return p.required === true ? name : `[${name}]`;
    }),
    spec.flags.length > 0 ? '[options]' : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
  const lines = [`Usage: ${usage}`, '', spec.summary];
  if (spec.positionals.length > 0) {
    lines.push('', 'Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(24)}${p.description}`);
  }
  lines.push('', 'Options:');
  for (const f of spec.flags) {
    const left = `--${f.name}${f.type === 'boolean' ? '' : ` ${f.value ?? f.type.toUpperCase()}`}`;
    let text = f.description;
    if (f.choices !== undefined) text += ` (one of: ${f.choices.join(', ')})`;
    if (f.defaultText !== undefined) text += ` [default: ${f.defaultText}]`;
    lines.push(`  ${left.padEnd(24)}${text}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(24)}show this help`);
  for (const note of spec.notes ?? []) lines.push('', note);
  return `${lines.join('\n')}\n`;
}
