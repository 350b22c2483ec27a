import { LmError } from '../errors.js';

/** How to go on without a network, appended to every "could not reach" message. */
export const OFFLINE_HINT =
  'pass --model DIR with a model directory on disk, which works offline (a model fetched once is also read from the cache without a network)';

/** Error codes of a connection that never got an answer: DNS, refused, unroutable, timed out. */
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/** The innermost `code` of an error thrown by fetch (undici wraps the socket error in `cause`). */
export function networkErrorCode(error: unknown): string | null {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** Whether a fetch failure means the host could not be reached at all (not worth retrying). */
export function isUnreachable(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== null && UNREACHABLE.has(code);
}

/** `LM_NETWORK_UNREACHABLE` naming the host, what was being fetched, and the offline way out. */
export function unreachableError(url: string, what: string, error: unknown): LmError {
  const code = networkErrorCode(error) ?? (error as Error).message;
  return new LmError(
    'LM_NETWORK_UNREACHABLE',
    `could not reach ${new URL(url).host} (${code}) to download ${what}; check the network connection (and HF_ENDPOINT or the npm registry setting), or ${OFFLINE_HINT}.`,
  );
}
