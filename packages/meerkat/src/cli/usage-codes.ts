import type { CliUsageCode } from '@meerkat/cli-kit';

/**
 * The codes of `meerkat`'s usage errors: cli-kit's, plus `CLI_MODEL_NOT_FOUND` (a `--model`, or
 * a config's or experiment's model, that is no model directory, file or model name) and
 * `CLI_FILE_EXISTS` (a file `nats-init` would overwrite without `--force`).
 */
export type MeerkatCliCode = CliUsageCode | 'CLI_MODEL_NOT_FOUND' | 'CLI_FILE_EXISTS';
