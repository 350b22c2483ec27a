import { fillDirectionRange } from '@meerkat/zo-estimator';
import { createDirectionPool } from '@meerkat/zo-estimator/node';
import { describe, expect, it } from 'vitest';
import { FederatedServer } from './federated-server.js';
import type { FederatedServerConfig } from './server-config.js';

const K = 70_001; // above the pool threshold, and no multiple of the chunk below
const bits = (t: Float32Array) => new Uint32Array(t.buffer, t.byteOffset, t.length);

/** A server with round 0 open and an update of each of 3 clients (float32 g, 2 directions). */
function serverWithUpdates(config: Partial<FederatedServerConfig> = {}) {
  const theta0 = Float32Array.from({ length: K }, (_, i) => Math.fround(Math.sin(i) / 2));
  const server = new FederatedServer(
    { runSeed: 5n, lr: 0.01, localSteps: 3, directions: 2, roundDurationMs: 1000, ...config },
    theta0,
  );
  const ids = ['a', 'b', 'c'];
  for (const id of ids) server.registerClient(id);
  server.openRound(0);
  ids.forEach((clientId, c) => {
    const g = Float64Array.from({ length: 6 }, (_, i) => Math.fround((c + 1) * (i - 2.5) * 0.37));
    const verdict = server.submit({ round: 0, clientId, g, numSamples: 10 + 5 * c }, 1);
    expect(verdict).toEqual({ status: 'accepted' });
  });
  return server;
}

describe('FederatedServer.closeRoundAsync', () => {
  it('gives closeRound’s θ and log bit for bit, the directions from a worker pool in chunks', async () => {
    const sync = serverWithUpdates().closeRound();
    const pool = createDirectionPool({ threads: 2 });
    try {
      for (const chunk of [K, 4096]) {
        const server = serverWithUpdates();
        const result = await server.closeRoundAsync(
          (seed, out, from, options) => pool.fillRange(seed, out, from, options),
          pool.allocate(chunk),
        );
        expect(bits(result.theta)).toEqual(bits(sync.theta));
        expect(result.log).toEqual(sync.log);
        expect(result.stats).toEqual(sync.stats);
        expect(server.round).toBe(1);
      }
    } finally {
      await pool.close();
    }
  });

  it('a filler that fails leaves θ and the open round as they were', async () => {
    const server = serverWithUpdates();
    const before = server.theta;
    let calls = 0;
    const failing = async (...args: Parameters<typeof fillDirectionRange>) => {
      if (++calls === 5) throw new Error('the pool was closed');
      return fillDirectionRange(...args);
    };
    await expect(server.closeRoundAsync(failing, new Float32Array(K))).rejects.toThrow(/closed/);
    expect(bits(server.theta)).toEqual(bits(before));
    expect(server.round).toBe(0);
    // Still open: closing it again works and gives the θ of a plain close.
    expect(bits(server.closeRound().theta)).toEqual(bits(serverWithUpdates().closeRound().theta));
  });
});
