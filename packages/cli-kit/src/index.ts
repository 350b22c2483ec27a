export { type CapturedIo, type CaptureIoOptions, captureIo } from './capture-io.js';
export { type CliIo, processIo, type TextSink } from './cli-io.js';
export { type CliUsageCode, CliUsageError, type CliUsageErrorOptions } from './cli-usage-error.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type ExitCode } from './exit-codes.js';
export type {
  BooleanFlagSpec,
  ChoiceFlagSpec,
  CommandSpec,
  DefaultNote,
  FlagDefault,
  FlagSpec,
  FlagType,
  NumberFlagSpec,
  PositionalSpec,
  ProgramSpec,
  StringFlagSpec,
  ValueFlagSpec,
} from './flag-spec.js';
export { allowedValues, placeholder } from './flag-value.js';
export { formatCommandHelp, formatProgramHelp } from './help.js';
export { asksForHelp, parseCommandLine } from './parse-command-line.js';
export { type FlagValue, ParsedArgs } from './parsed-args.js';
export { type CliCommand, type CliProgram, type ErrorReport, runProgram } from './run-program.js';
