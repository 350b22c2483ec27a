/**
 * Whether a JetStream request failed because the asset (stream, KV bucket) is electing a new
 * leader or its node is gone: the request timed out, found no responder, or the server said it
 * is temporarily unavailable. Such a request can be tried again; anything else cannot.
 */
export function isFailoverError(e: unknown): boolean {
  for (let cause: unknown = e, depth = 0; cause instanceof Error && depth < 4; depth++) {
    const text = `${cause.name} ${cause.message} ${(cause as { code?: unknown }).code ?? ''}`;
    if (/timeout|no responders|503|temporarily unavailable|no suitable peers|leader/i.test(text)) {
      return true;
    }
    // nats.js reports a JetStream publish that found no responder (a stream without a leader)
    // as "jetstream is not enabled", with the no-responders error as its cause.
    cause = cause.cause;
  }
  return false;
}

/**
 * Request timeout (ms) of the coordinator's JetStream administration (creating streams, buckets,
 * the object store): file-backed creates on a loaded machine or a cluster electing a leader can
 * take longer than the client's 5 s default.
 */
export const ADMIN_TIMEOUT_MS = 20_000;

/** Pauses between attempts: 100 ms, 200 ms, … 1 s; 15 attempts cover a ≈ 10 s leader election. */
const PAUSES_MS = [100, 200, 400, 800, 1000];
export const FAILOVER_ATTEMPTS = 15;

/**
 * Runs `request`, trying it again while it fails with a {@link isFailoverError} (a replicated
 * stream or KV bucket of a JetStream cluster electing a new leader after a node died). The
 * request must be idempotent (a KV put of the same value, a publish with a message id).
 */
export async function retryDuringFailover<T>(
  request: () => Promise<T>,
  attempts = FAILOVER_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (e) {
      if (attempt >= attempts || !isFailoverError(e)) throw e;
      const pause = PAUSES_MS[Math.min(attempt - 1, PAUSES_MS.length - 1)]!;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
