/** How a flag's value is read: text, a decimal number, a whole number, on/off, or one of a list. */
export type FlagType = 'string' | 'number' | 'integer' | 'boolean' | 'choice';

/** A default that `--help` prints but the parser does not apply: the command decides. */
export interface DefaultNote {
  /** What `--help` prints after `default`; a function is called each time the help is made. */
  readonly text: string | (() => string);
}

/**
 * What a value flag is when it is absent. A value (or a function returning one, called once per
 * parse, e.g. reading a schema's default) is applied by the parser and printed by `--help`; a
 * `DefaultNote` is only printed (the command works the default out itself, e.g. from a config file).
 */
export type FlagDefault<V> = V | (() => V) | DefaultNote;

interface FlagSpecBase {
  /** Without the dashes: `'max-new-tokens'` for `--max-new-tokens`. */
  readonly name: string;
  /** One line for `--help`. */
  readonly description: string;
}

interface ValueFlagSpecBase<V> extends FlagSpecBase {
  /** Placeholder in `--help` and messages (`DIR`, `N`); default `TEXT`, `N`, or the choices. */
  readonly valueName?: string;
  /** Absent is a `CLI_MISSING_FLAG` usage error. */
  readonly required?: boolean;
  /** May be given more than once; the values are kept in order (`strings()`, `numbers()`). */
  readonly multiple?: boolean;
  /** Applied (or, as a `DefaultNote`, only printed) when the flag is absent. */
  readonly default?: FlagDefault<V>;
}

/** `--name TEXT`: any text; empty text only with `allowEmpty`. */
export interface StringFlagSpec extends ValueFlagSpecBase<string> {
  readonly type: 'string';
  /** Accept `--name ''` (otherwise a `CLI_INVALID_VALUE`: an empty value is usually a mistake). */
  readonly allowEmpty?: boolean;
}

/**
 * `--name N`: plain decimal syntax only (`12`, `-0.5`, `.5`, `2.5e-3`; no hex, blanks, `Infinity`
 * or `NaN`); an `integer` is digits with an optional sign, a safe integer.
 */
export interface NumberFlagSpec extends ValueFlagSpecBase<number> {
  readonly type: 'number' | 'integer';
  /** Smallest allowed value, inclusive. */
  readonly min?: number;
  /** The value must be strictly greater than this. */
  readonly greaterThan?: number;
  /** Largest allowed value, inclusive. */
  readonly max?: number;
}

/** `--name a|b`: exactly one of `choices`. */
export interface ChoiceFlagSpec extends ValueFlagSpecBase<string> {
  readonly type: 'choice';
  readonly choices: readonly string[];
}

/** `--name` on its own: true when given, false when absent; `--name=x` is a usage error. */
export interface BooleanFlagSpec extends FlagSpecBase {
  readonly type: 'boolean';
}

/** One `--flag` of a command. */
export type FlagSpec = StringFlagSpec | NumberFlagSpec | ChoiceFlagSpec | BooleanFlagSpec;

/** A flag that takes a value (every type but `boolean`). */
export type ValueFlagSpec = Exclude<FlagSpec, BooleanFlagSpec>;

/** A bare argument of a command (`meerkat-lm fetch NAME`). */
export interface PositionalSpec {
  /** Placeholder in `--help` and messages: `NAME`. */
  readonly name: string;
  readonly description: string;
  /** Absent is a `CLI_MISSING_ARGUMENT` usage error. */
  readonly required?: boolean;
  /** Takes every remaining bare argument (the last positional only). */
  readonly variadic?: boolean;
}

/** A command's name, help texts, bare arguments and flags: everything the parser and `--help` need. */
export interface CommandSpec {
  readonly name: string;
  /** The paragraph under `Usage:` in the command's `--help`. */
  readonly summary: string;
  /** The command's line in the program's command list; defaults to `summary`. */
  readonly brief?: string;
  /** Bare arguments, in order. */
  readonly positionals?: readonly PositionalSpec[];
  readonly flags: readonly FlagSpec[];
  /** Lines printed at the end of `--help` (notes, examples), after one blank line. */
  readonly details?: readonly string[];
}

/** What the program-level help needs: the program's name, summary and commands. */
export interface ProgramSpec {
  /** The executable's name, as typed: `meerkat-lm`. */
  readonly name: string;
  /** The paragraph under `Usage:` in the program's help (may hold line breaks). */
  readonly summary: string;
  /** Every command, in the order the help lists them. */
  readonly commands: readonly { readonly spec: CommandSpec }[];
  /** Lines printed at the end of the program's help. */
  readonly footer?: readonly string[];
}
