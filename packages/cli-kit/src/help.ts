import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import type { CommandSpec, FlagSpec, PositionalSpec, ProgramSpec } from './flag-spec.js';
import { defaultText, placeholder } from './flag-value.js';

const HELP_FLAG = '--help';

/** `--name PLACEHOLDER` (or `--name` for a boolean): the flag as the help writes it. */
function flagSynopsis(flag: FlagSpec): string {
  return flag.type === 'boolean' ? `--${flag.name}` : `--${flag.name} ${placeholder(flag)}`;
}

function usageWord(flag: FlagSpec): string {
  const text = flagSynopsis(flag);
  if (flag.type === 'boolean') return `[${text}]`;
  const word = flag.required === true ? text : `[${text}]`;
  return flag.multiple === true ? `${word}...` : word;
}

function positionalWord(p: PositionalSpec): string {
  const name = p.variadic === true ? `${p.name}...` : p.name;
  return p.required === true ? name : `[${name}]`;
}

function flagNotes(flag: FlagSpec): string {
  if (flag.type === 'boolean') return '';
  const notes: string[] = [];
  if (flag.required === true) notes.push('required');
  if (flag.multiple === true) notes.push('repeatable');
  const fallback = defaultText(flag);
  if (fallback !== undefined) notes.push(`default ${fallback}`);
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}

/**
 * The `--help` text of a command: a usage line (required flags bare, optional ones in brackets),
 * the summary, one line per bare argument and per flag (with `required`, `repeatable` and the
 * default), `--help` itself, then `details`.
 */
export function formatCommandHelp(program: string, spec: CommandSpec): string {
  const positionals = spec.positionals ?? [];
  const synopses = spec.flags.map(flagSynopsis);
  const width =
    Math.max(
      HELP_FLAG.length,
      ...synopses.map((s) => s.length),
      ...positionals.map((p) => p.name.length),
    ) + 1;
  const usage = [
    program,
    spec.name,
    ...positionals.map(positionalWord),
    ...spec.flags.map(usageWord),
  ];
  const lines = [`Usage: ${usage.join(' ')}`, '', spec.summary, ''];
  if (positionals.length > 0) {
    lines.push('Arguments:');
    for (const p of positionals) lines.push(`  ${p.name.padEnd(width)}  ${p.description}`);
    lines.push('');
  }
  lines.push('Flags:');
  spec.flags.forEach((flag, i) => {
    lines.push(`  ${synopses[i]!.padEnd(width)}  ${flag.description}${flagNotes(flag)}`);
  });
  lines.push(`  ${HELP_FLAG.padEnd(width)}  Print this help.`);
  if (spec.details !== undefined && spec.details.length > 0) lines.push('', ...spec.details);
  return `${lines.join('\n')}\n`;
}

/** The program's help (`PROGRAM --help`, `PROGRAM help`): usage, summary, the commands, exit codes. */
export function formatProgramHelp(program: ProgramSpec): string {
  const specs = program.commands.map((c) => c.spec);
  const width = Math.max(...specs.map((s) => s.name.length));
  const lines = [
    `Usage: ${program.name} <command> [--flags]`,
    '',
    program.summary,
    '',
    'Commands:',
    ...specs.map((s) => `  ${s.name.padEnd(width)}  ${s.brief ?? s.summary}`),
    '',
    `Run '${program.name} <command> --help' for a command's flags. Exit codes: ${EXIT_OK} ok, ${EXIT_FAILURE} run failed, ${EXIT_USAGE} bad command line.`,
    ...(program.footer ?? []),
  ];
  return `${lines.join('\n')}\n`;
}
