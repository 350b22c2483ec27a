import { CliUsageError } from './cli-usage-error.js';
import type {
  DefaultNote,
  FlagDefault,
  FlagSpec,
  NumberFlagSpec,
  ValueFlagSpec,
} from './flag-spec.js';

/** The placeholder of a flag's value in `--help` and messages: `valueName`, the choices, `TEXT` or `N`. */
export function placeholder(flag: ValueFlagSpec): string {
  if (flag.valueName !== undefined) return flag.valueName;
  if (flag.type === 'choice') return flag.choices.join('|');
  return flag.type === 'string' ? 'TEXT' : 'N';
}

function numberRange(flag: NumberFlagSpec): string {
  const what = flag.type === 'integer' ? 'an integer' : 'a number';
  const { min, max, greaterThan } = flag;
  if (greaterThan === undefined && min !== undefined && max !== undefined) {
    return `${what} from ${min} to ${max}`;
  }
  const bounds: string[] = [];
  if (greaterThan !== undefined) bounds.push(`> ${greaterThan}`);
  if (min !== undefined) bounds.push(`≥ ${min}`);
  if (max !== undefined) bounds.push(`≤ ${max}`);
  return bounds.length === 0 ? what : `${what} ${bounds.join(' and ')}`;
}

/** What a flag accepts, in words, for messages: `an integer from 1 to 9`, `one of a, b`, `a DIR`. */
export function allowedValues(flag: FlagSpec): string {
  switch (flag.type) {
    case 'boolean':
      return 'no value';
    case 'choice':
      return `one of ${flag.choices.join(', ')}`;
    case 'number':
    case 'integer':
      return numberRange(flag);
    default:
      return `a ${placeholder(flag)}`;
  }
}

const INTEGER_SYNTAX = /^[+-]?\d+$/;
const DECIMAL_SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Whether a word reads as a plain decimal number (so `-5` is a value or a bare argument, not a flag). */
export function isNumberWord(word: string): boolean {
  return DECIMAL_SYNTAX.test(word);
}

function inRange(flag: NumberFlagSpec, value: number): boolean {
  return (
    Number.isFinite(value) &&
    (flag.type !== 'integer' || Number.isSafeInteger(value)) &&
    (flag.min === undefined || value >= flag.min) &&
    (flag.max === undefined || value <= flag.max) &&
    (flag.greaterThan === undefined || value > flag.greaterThan)
  );
}

/**
 * Converts the text given to a value flag into its value, or throws a `CLI_INVALID_VALUE`
 * `CliUsageError` that names the flag, what it accepts and what it got.
 */
export function readFlagValue(command: string, flag: ValueFlagSpec, raw: string): string | number {
  const reject = (allowed: string) =>
    new CliUsageError(
      'CLI_INVALID_VALUE',
      `--${flag.name} must be ${allowed}, got ${JSON.stringify(raw)}`,
      { command },
    );
  switch (flag.type) {
    case 'string':
      if (raw === '' && flag.allowEmpty !== true) throw reject(`a non-empty ${placeholder(flag)}`);
      return raw;
    case 'choice':
      if (!flag.choices.includes(raw)) throw reject(allowedValues(flag));
      return raw;
    default: {
      const syntax = flag.type === 'integer' ? INTEGER_SYNTAX : DECIMAL_SYNTAX;
      const value = syntax.test(raw) ? Number(raw) : Number.NaN;
      if (!inRange(flag, value)) throw reject(allowedValues(flag));
      return value;
    }
  }
}

function isNote<V>(value: FlagDefault<V>): value is DefaultNote {
  return typeof value === 'object' && value !== null && 'text' in value;
}

/** The value the parser gives an absent flag: its `default` (called, if a function), else none. */
export function appliedDefault(flag: FlagSpec): string | number | undefined {
  if (flag.type === 'boolean') return undefined;
  const d: FlagDefault<string> | FlagDefault<number> | undefined = flag.default;
  if (d === undefined || isNote(d)) return undefined;
  return typeof d === 'function' ? d() : d;
}

/** The `CLI_MISSING_FLAG` error of a flag the command cannot run without: `bench needs --batch B (…)`. */
export function missingFlagError(command: string, flag: FlagSpec): CliUsageError {
  const value = flag.type === 'boolean' ? '' : ` ${placeholder(flag)}`;
  return new CliUsageError(
    'CLI_MISSING_FLAG',
    `${command} needs --${flag.name}${value} (${flag.description})`,
    { command },
  );
}

/** What `--help` prints as a flag's default, or undefined when it has none. */
export function defaultText(flag: FlagSpec): string | undefined {
  if (flag.type === 'boolean' || flag.default === undefined) return undefined;
  if (isNote(flag.default)) {
    const { text } = flag.default;
    return typeof text === 'function' ? text() : text;
  }
  return String(appliedDefault(flag));
}
