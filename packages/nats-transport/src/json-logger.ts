/** Severity of a structured log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Fields of one log line; values must be JSON-serialisable. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Writes one JSON object per line: `{"ts":…,"level":…,"event":…,…fields}`. */
export interface JsonLogger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ role: 'coordinator', run }`). */
  child(fields: LogFields): JsonLogger;
}

/** A logger writing newline-delimited JSON to `write` (e.g. `(l) => process.stderr.write(l)`). */
export function createJsonLogger(
  write: (line: string) => unknown,
  base: LogFields = {},
  now: () => Date = () => new Date(),
): JsonLogger {
  return {
    log(level, event, fields = {}) {
      write(`${JSON.stringify({ ts: now().toISOString(), level, event, ...base, ...fields })}\n`);
    },
    child(fields) {
      return createJsonLogger(write, { ...base, ...fields }, now);
    },
  };
}

/** A logger that drops everything. */
export const silentLogger: JsonLogger = {
  log() {},
  child() {
    return silentLogger;
  },
};
