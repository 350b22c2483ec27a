import type { InferenceSession } from 'onnxruntime-common';

/** Counters of a {@link SessionCache}. */
export interface SessionCacheStats {
  readonly sessions: number;
  readonly hits: number;
  readonly misses: number;
  /** Milliseconds spent building graphs and creating sessions, in all. */
  readonly buildMs: number;
}

interface Entry {
  readonly session: Promise<InferenceSession>;
  /** Runs in flight on this session. */
  users: number;
  /** Evicted or cleared: released when the last user is done. */
  evicted: boolean;
}

function release(entry: Entry): void {
  entry.session.then((s) => s.release()).catch(() => {});
}

/**
 * ONNX Runtime sessions by graph key, least recently used evicted beyond `capacity`. Concurrent
 * requests for the same key share one session creation, and a session is released only once no
 * run is using it (an evicted session finishes the runs in flight first).
 */
export class SessionCache {
  readonly #capacity: number;
  readonly #entries = new Map<string, Entry>();
  #hits = 0;
  #misses = 0;
  #buildMs = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Runs `use` on the session for `key`, creating it with `create` when it is not cached. */
  async use<T>(
    key: string,
    create: () => Promise<InferenceSession>,
    use: (session: InferenceSession) => Promise<T>,
  ): Promise<T> {
    const entry = this.#entry(key, create);
    entry.users++;
    try {
      return await use(await entry.session);
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) release(entry);
    }
  }

  #entry(key: string, create: () => Promise<InferenceSession>): Entry {
    const known = this.#entries.get(key);
    if (known !== undefined) {
      this.#hits++;
      this.#entries.delete(key);
      this.#entries.set(key, known);
      return known;
    }
    this.#misses++;
    const started = performance.now();
    const entry: Entry = {
      session: create().then(
        (session) => {
          this.#buildMs += performance.now() - started;
          return session;
        },
        (error: unknown) => {
          if (this.#entries.get(key) === entry) this.#entries.delete(key);
          throw error;
        },
      ),
      users: 0,
      evicted: false,
    };
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#capacity) {
      const [oldKey, old] = this.#entries.entries().next().value as [string, Entry];
      this.#evict(oldKey, old);
    }
    return entry;
  }

  #evict(key: string, entry: Entry): void {
    this.#entries.delete(key);
    entry.evicted = true;
    if (entry.users === 0) release(entry);
  }

  stats(): SessionCacheStats {
    return {
      sessions: this.#entries.size,
      hits: this.#hits,
      misses: this.#misses,
      buildMs: this.#buildMs,
    };
  }

  /** Releases every session (those in use once their runs finish). */
  async clear(): Promise<void> {
    const all = [...this.#entries];
    for (const [key, entry] of all) this.#evict(key, entry);
    await Promise.all(all.map(([, e]) => e.session.catch(() => undefined)));
  }
}
