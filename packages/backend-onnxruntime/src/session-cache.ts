import type { InferenceSession } from 'onnxruntime-common';

/** Counters of a {@link SessionCache}. */
export interface SessionCacheStats {
  readonly sessions: number;
  readonly hits: number;
  readonly misses: number;
  /** Milliseconds spent building graphs and creating sessions, in all. */
  readonly buildMs: number;
}

/**
 * ONNX Runtime sessions by graph key, least recently used evicted (and released) beyond
 * `capacity`. Concurrent requests for the same key share one session creation.
 */
export class SessionCache {
  readonly #capacity: number;
  readonly #sessions = new Map<string, Promise<InferenceSession>>();
  #hits = 0;
  #misses = 0;
  #buildMs = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: string, create: () => Promise<InferenceSession>): Promise<InferenceSession> {
    const known = this.#sessions.get(key);
    if (known !== undefined) {
      this.#hits++;
      this.#sessions.delete(key);
      this.#sessions.set(key, known);
      return known;
    }
    this.#misses++;
    const started = performance.now();
    const made = create().then(
      (session) => {
        this.#buildMs += performance.now() - started;
        return session;
      },
      (error: unknown) => {
        this.#sessions.delete(key);
        throw error;
      },
    );
    this.#sessions.set(key, made);
    while (this.#sessions.size > this.#capacity) {
      const [oldKey, old] = this.#sessions.entries().next().value as [
        string,
        Promise<InferenceSession>,
      ];
      this.#sessions.delete(oldKey);
      old.then((s) => s.release()).catch(() => {});
    }
    return made;
  }

  stats(): SessionCacheStats {
    return {
      sessions: this.#sessions.size,
      hits: this.#hits,
      misses: this.#misses,
      buildMs: this.#buildMs,
    };
  }

  /** Releases every session. */
  async clear(): Promise<void> {
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => {})));
  }
}
