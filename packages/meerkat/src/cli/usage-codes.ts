import type { CliUsageCode } from '@meerkat/cli-kit';

/**
 * The codes of `meerkat`'s usage errors: cli-kit's, plus `CLI_MODEL_NOT_FOUND` (a `--model`, or
 * a config's or experiment's model, that is no model directory, file or model name).
 */
export type MeerkatCliCode = CliUsageCode | 'CLI_MODEL_NOT_FOUND';
