import type { Received, UplinkMessage } from '@meerkat/trainer';
import { expect } from 'vitest';

/** Receives until `n` messages arrived (bounded by `ms`, then an error saying how many came). */
export async function receiveN(
  receive: () => Promise<Received<UplinkMessage>>,
  n: number,
  ms = 10_000,
): Promise<Received<UplinkMessage>[]> {
  const out: Received<UplinkMessage>[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const left = deadline - Date.now();
    const r =
      left <= 0
        ? null
        : await Promise.race([
            receive(),
            new Promise<null>((res) => setTimeout(() => res(null), left)),
          ]);
    if (r === null) throw new Error(`received ${out.length} of ${n} messages in ${ms} ms`);
    out.push(r);
  }
  return out;
}

/** Nothing more arrives within `ms`. */
export async function expectQuiet(
  receive: () => Promise<Received<UplinkMessage>>,
  ms: number,
): Promise<void> {
  const r = await Promise.race([
    receive(),
    new Promise<null>((res) => setTimeout(() => res(null), ms)),
  ]);
  expect(r).toBeNull();
}
