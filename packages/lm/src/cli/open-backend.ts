import { CliUsageError } from '@meerkat/cli-kit';
import { type Backend, createBackend, isTensorError } from '@meerkat/tensor';

/** The backend a command uses without `--backend`: the best TensorFlow.js engine present. */
export const DEFAULT_BACKEND = 'tfjs:auto';

/**
 * `createBackend(name)` for the `--backend` flag. A name nobody registered is a usage error
 * (exit 2) whose one line lists what is registered and why a backend package could not be
 * found; a registered backend that cannot run here (`TENSOR_BACKEND_UNAVAILABLE`) is rethrown
 * as is, with the registry's reasons.
 */
export async function openBackend(name: string, command: string): Promise<Backend> {
  try {
    return await createBackend(name);
  } catch (error) {
    if (isTensorError(error, 'TENSOR_UNKNOWN_BACKEND')) {
      const listing = error.message
        .split('\n')
        .slice(1)
        .map((line) => line.trim())
        .filter((line) => line !== '');
      throw new CliUsageError(
        'CLI_INVALID_VALUE',
        `--backend ${JSON.stringify(name)} is not a registered backend; use FAMILY:VARIANT or FAMILY:auto, registered: ${listing.join('; ')}`,
        { command },
      );
    }
    throw error;
  }
}
