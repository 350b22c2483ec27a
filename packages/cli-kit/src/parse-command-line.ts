import { type CliUsageCode, CliUsageError } from './cli-usage-error.js';
import type { CommandSpec, FlagSpec } from './flag-spec.js';
import {
  allowedValues,
  appliedDefault,
  isNumberWord,
  missingFlagError,
  readFlagValue,
} from './flag-value.js';
import { type FlagValue, ParsedArgs } from './parsed-args.js';

/** Whether `argv` asks for help: `--help` or `-h` anywhere before a `--`. Help wins over every error. */
export function asksForHelp(argv: readonly string[]): boolean {
  for (const word of argv) {
    if (word === '--') return false;
    if (word === '--help' || word === '-h') return true;
  }
  return false;
}

/** A word in flag position that is a flag: starts with `-`, but is not `-` or a number like `-0.5`. */
function isFlagWord(word: string): boolean {
  return word.startsWith('-') && word !== '-' && !isNumberWord(word);
}

/** What a command takes, in words, for messages: `only --flags (--a, --b)`, `NAME and --flags (…)`. */
function takes(spec: CommandSpec): string {
  const args = (spec.positionals ?? []).map((p) => (p.variadic === true ? `${p.name}...` : p.name));
  const flags = spec.flags.map((f) => `--${f.name}`).join(', ');
  if (args.length === 0) return flags === '' ? 'no arguments' : `only --flags (${flags})`;
  return flags === '' ? `only ${args.join(' ')}` : `${args.join(' ')} and --flags (${flags})`;
}

function usage(spec: CommandSpec, code: CliUsageCode, message: string): CliUsageError {
  return new CliUsageError(code, message, { command: spec.name });
}

function unknownFlag(spec: CommandSpec, word: string): CliUsageError {
  const allowed = spec.flags.map((f) => `--${f.name}`).join(', ');
  return usage(
    spec,
    'CLI_UNKNOWN_FLAG',
    `unknown flag ${word} for ${spec.name}; ${allowed === '' ? 'it takes no flags' : `allowed: ${allowed}`}`,
  );
}

/**
 * Reads the value of `flag` from `argv[i]` (`--name=value`) or the word after it; returns the value
 * text and how many words it used. A value is the next word unless that starts with `--` (then it
 * is missing): `--seed -1` and `--text -x` work, a value starting with `--` needs `--name=--value`.
 */
function valueText(spec: CommandSpec, flag: FlagSpec, argv: readonly string[], i: number) {
  const word = argv[i]!;
  const eq = word.indexOf('=');
  if (eq >= 0) return { raw: word.slice(eq + 1), used: 1 };
  const next = argv[i + 1];
  if (next === undefined || next.startsWith('--')) {
    throw usage(spec, 'CLI_MISSING_VALUE', `--${flag.name} needs a value: ${allowedValues(flag)}`);
  }
  return { raw: next, used: 2 };
}

/**
 * Parses `argv` (the words after the command name) against `spec`: `--name value`, `--name=value`,
 * bare `--name` for booleans, bare arguments as `spec.positionals` allows, `--` ends the flags.
 * Numbers like `-1` are values and bare arguments, not flags. `--help`/`-h` anywhere before `--`
 * gives `help: true` and nothing else is checked. Every rule broken is a `CliUsageError` (first
 * in command-line order) naming the flag and what it accepts; then absent required bare
 * arguments and flags (in spec order) are errors, and defaults are applied.
 */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  if (asksForHelp(argv)) return new ParsedArgs(spec, new Map(), new Set(), [], true);
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const values = new Map<string, FlagValue>();
  const given = new Set<string>();
  const wanted = spec.positionals ?? [];
  const variadic = wanted.at(-1)?.variadic === true;
  const lists = new Map<string, (string | number)[]>();
  const positionals: string[] = [];
  let flagsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--' && !flagsEnded) {
      flagsEnded = true;
      continue;
    }
    if (flagsEnded || !isFlagWord(word)) {
      if (!variadic && positionals.length >= wanted.length) {
        throw usage(
          spec,
          'CLI_UNEXPECTED_ARGUMENT',
          `unexpected argument ${JSON.stringify(word)}; ${spec.name} takes ${takes(spec)}`,
        );
      }
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const long = word.startsWith('--');
    const flag = long ? byName.get(word.slice(2, eq < 0 ? undefined : eq)) : undefined;
    if (flag === undefined) throw unknownFlag(spec, long && eq >= 0 ? word.slice(0, eq) : word);
    const repeatable = flag.type !== 'boolean' && flag.multiple === true;
    if (given.has(flag.name) && !repeatable) {
      throw usage(spec, 'CLI_REPEATED_FLAG', `--${flag.name} is given twice`);
    }
    given.add(flag.name);
    if (flag.type === 'boolean') {
      if (eq >= 0) {
        throw usage(
          spec,
          'CLI_UNEXPECTED_ARGUMENT',
          `--${flag.name} is a switch and takes no value, got ${JSON.stringify(word.slice(eq + 1))}`,
        );
      }
      values.set(flag.name, true);
      continue;
    }
    const { raw, used } = valueText(spec, flag, argv, i);
    i += used - 1;
    const value = readFlagValue(spec.name, flag, raw);
    if (repeatable) {
      const list = lists.get(flag.name) ?? [];
      list.push(value);
      lists.set(flag.name, list);
      values.set(flag.name, list);
    } else values.set(flag.name, value);
  }
  for (let k = positionals.length; k < wanted.length; k++) {
    const p = wanted[k]!;
    if (p.required === true) {
      throw usage(spec, 'CLI_MISSING_ARGUMENT', `${spec.name} needs ${p.name} (${p.description})`);
    }
  }
  for (const flag of spec.flags) {
    if (given.has(flag.name) || flag.type === 'boolean') continue;
    const value = appliedDefault(flag);
    if (value !== undefined) {
      values.set(flag.name, flag.multiple === true ? [value] : value);
    } else if (flag.required === true) throw missingFlagError(spec.name, flag);
  }
  return new ParsedArgs(spec, values, given, positionals);
}
