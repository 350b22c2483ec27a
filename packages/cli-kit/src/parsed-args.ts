import type { CommandSpec, FlagSpec, FlagType } from './flag-spec.js';
import { missingFlagError } from './flag-value.js';

/** The value of one flag after parsing: a scalar, or the list of a `multiple` flag. */
export type FlagValue = string | number | boolean | readonly (string | number)[];

/**
 * One command line, validated, with defaults applied: typed accessors by flag name. Asking for a
 * flag the spec does not have, or with the accessor of another type, is a programming error
 * (a plain `Error`); asking `string()`/`number()` for an absent flag is a `CLI_MISSING_FLAG`
 * usage error (for flags a command needs only in some cases).
 */
export class ParsedArgs {
  readonly spec: CommandSpec;
  /** The bare arguments, in order. */
  readonly positionals: readonly string[];
  /** `--help` or `-h` was given: nothing else was read or checked. */
  readonly help: boolean;
  readonly #values: ReadonlyMap<string, FlagValue>;
  readonly #given: ReadonlySet<string>;

  constructor(
    spec: CommandSpec,
    values: ReadonlyMap<string, FlagValue>,
    given: ReadonlySet<string>,
    positionals: readonly string[],
    help = false,
  ) {
    this.spec = spec;
    this.#values = values;
    this.#given = given;
    this.positionals = positionals;
    this.help = help;
  }

  /** The command's name. */
  get command(): string {
    return this.spec.name;
  }

  /** Whether the flag was on the command line (defaults do not count). */
  given(name: string): boolean {
    this.#flag(name);
    return this.#given.has(name);
  }

  /** Whether the flag has a value: given, or an applied default (a boolean: given). */
  has(name: string): boolean {
    this.#flag(name);
    return this.#values.has(name);
  }

  /** A `string` or `choice` flag's value; absent (no default) is a `CLI_MISSING_FLAG` usage error. */
  string(name: string): string {
    return this.#present(name, this.optionalString(name));
  }

  optionalString(name: string): string | undefined {
    return this.#scalar(name, ['string', 'choice']) as string | undefined;
  }

  /** A `number` or `integer` flag's value; absent (no default) is a `CLI_MISSING_FLAG` usage error. */
  number(name: string): number {
    return this.#present(name, this.optionalNumber(name));
  }

  optionalNumber(name: string): number | undefined {
    return this.#scalar(name, ['number', 'integer']) as number | undefined;
  }

  /** A `boolean` flag: true when given. */
  boolean(name: string): boolean {
    this.#flag(name, ['boolean']);
    return this.#values.get(name) === true;
  }

  /** Every value of a `multiple` `string`/`choice` flag, in order ([default] or [] when absent). */
  strings(name: string): readonly string[] {
    return this.#list(name, ['string', 'choice']) as readonly string[];
  }

  /** Every value of a `multiple` `number`/`integer` flag, in order ([default] or [] when absent). */
  numbers(name: string): readonly number[] {
    return this.#list(name, ['number', 'integer']) as readonly number[];
  }

  #flag(name: string, types?: readonly FlagType[]): FlagSpec {
    const flag = this.spec.flags.find((f) => f.name === name);
    if (flag === undefined) throw new Error(`${this.command} has no flag --${name}`);
    if (types !== undefined && !types.includes(flag.type)) {
      throw new Error(
        `--${name} of ${this.command} is a ${flag.type} flag, not ${types.join('/')}`,
      );
    }
    return flag;
  }

  #scalar(name: string, types: readonly FlagType[]): string | number | undefined {
    const flag = this.#flag(name, types);
    if (flag.type !== 'boolean' && flag.multiple === true) {
      throw new Error(
        `--${name} of ${this.command} is multiple: read it with strings() or numbers()`,
      );
    }
    return this.#values.get(name) as string | number | undefined;
  }

  #list(name: string, types: readonly FlagType[]): readonly (string | number)[] {
    const flag = this.#flag(name, types);
    if (flag.type === 'boolean' || flag.multiple !== true) {
      throw new Error(
        `--${name} of ${this.command} is not multiple: read it with string() or number()`,
      );
    }
    return (this.#values.get(name) as readonly (string | number)[] | undefined) ?? [];
  }

  #present<T>(name: string, value: T | undefined): T {
    if (value === undefined) throw missingFlagError(this.command, this.#flag(name));
    return value;
  }
}
