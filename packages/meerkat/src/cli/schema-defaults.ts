import { runConfigSchema } from '@meerkat/trainer';

/** Every default of a run config, as `runConfigSchema` applies them. */
export type RunConfigDefaults = Omit<ReturnType<typeof runConfigSchema.parse>, 'model' | 'runDir'>;

let defaults: RunConfigDefaults | undefined;

/**
 * The run config's defaults, read from `runConfigSchema` (by parsing a config that sets only the
 * required `model` and `runDir`), so a flag that mirrors a config field (`--density`, `--seed`,
 * `--batches`, …) has its default in one place. Parsed on first use: flags read it through a
 * `default: () => …` function, called when a command line is parsed or a help is printed.
 */
export function runConfigDefaults(): RunConfigDefaults {
  if (defaults === undefined) {
    const {
      model: _model,
      runDir: _runDir,
      ...rest
    } = runConfigSchema.parse({
      model: '-',
      runDir: '-',
    });
    defaults = rest;
  }
  return defaults;
}
