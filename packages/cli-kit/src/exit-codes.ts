/** The run did what was asked (also `--help` and `help`). */
export const EXIT_OK = 0;
/** The command line was fine but the run failed: bad input files, an unavailable backend, I/O. */
export const EXIT_FAILURE = 1;
/** The command line (or input the program classes as the user's) is wrong: a `CliUsageError`. */
export const EXIT_USAGE = 2;

/** The exit codes a command or an error report may give. */
export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILURE | typeof EXIT_USAGE;
