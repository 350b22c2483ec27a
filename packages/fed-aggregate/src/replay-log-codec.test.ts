import { describe, expect, it } from 'vitest';
import { buildReplayLog } from './build-replay-log.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import type { FedAggregateError } from './errors.js';
import { FederatedServer } from './federated-server.js';
import { decodeReplayLog, encodeReplayLog, replayLogByteLength } from './replay-log-codec.js';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return (error as FedAggregateError).code;
  }
  return 'no error';
}

const updates = [
  { round: 7, clientId: 'b', g: [1e-300, -0.1, Math.PI, 2, -5, 0.25], numSamples: 3 },
  { round: 7, clientId: 'a', g: [0.1, 0.2], numSamples: 1 },
];

describe('replay log codec', () => {
  it('round-trips exactly (float64 g and p), with the documented size', () => {
    for (const directions of [1, 2]) {
      const log = buildReplayLog(updates, {
        runSeed: 2n ** 63n + 5n,
        round: 7,
        lr: 0.003,
        directions,
        distribution: 'rademacher',
      });
      const bytes = encodeReplayLog(log);
      expect(bytes.length).toBe(replayLogByteLength(log.seeds.length, directions));
      expect(bytes.length).toBe(32 + log.seeds.length * (16 + 8 * directions) + 4);
      expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('MKRL');
      expect(decodeReplayLog(bytes)).toEqual(log);
    }
  });

  it('detects every single-byte corruption, truncation and a future version', () => {
    const bytes = encodeReplayLog(buildReplayLog(updates, { runSeed: 1n, round: 7, lr: 0.1 }));
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i]! ^= 0x10;
      expect(['FED_CORRUPT', 'FED_TRUNCATED', 'FED_UNSUPPORTED_VERSION']).toContain(
        codeOf(() => decodeReplayLog(bad)),
      );
    }
    for (const cut of [0, 3, 31, bytes.length - 1]) {
      expect(codeOf(() => decodeReplayLog(bytes.subarray(0, cut)))).toBe('FED_TRUNCATED');
    }
    const future = bytes.slice();
    future[4] = 2;
    expect(codeOf(() => decodeReplayLog(future))).toBe('FED_UNSUPPORTED_VERSION');
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(codeOf(() => decodeReplayLog(longer))).toBe('FED_CORRUPT');
  });
});

describe('checkpoint codec', () => {
  function server() {
    const s = new FederatedServer(
      { runSeed: 3n, lr: 0.5, localSteps: 2, gMax: 10, participation: { count: 2 } },
      Float32Array.from([1, -2, 3.5, Number.MIN_VALUE, -0]),
    );
    for (const id of ['x', 'y', 'z']) s.registerClient(id);
    const plan = s.openRound(0);
    s.submit(
      {
        round: 0,
        clientId: plan.clients[0]!.clientId,
        g: [-0, 0.5],
        numSamples: 4,
        loss: { mean: 1.5, first: 2 },
        skippedSteps: 1,
      },
      0,
    );
    return s;
  }

  it('round-trips the whole state, including -0 in θ and in g', () => {
    const state = server().snapshot();
    const decoded = decodeCheckpoint(encodeCheckpoint(state));
    expect(decoded).toEqual(state);
    expect(Object.is(decoded.theta[4], -0)).toBe(true);
    expect(Object.is(decoded.current!.updates[0]!.g[0], -0)).toBe(true);
    expect(decoded.config.roundDurationMs).toBe(Number.POSITIVE_INFINITY);
  });

  it('detects corruption and truncation with typed errors', () => {
    const bytes = server().checkpoint();
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('MKCP');
    for (let i = 0; i < bytes.length; i += 7) {
      const bad = bytes.slice();
      bad[i]! ^= 0x01;
      expect(['FED_CORRUPT', 'FED_TRUNCATED', 'FED_UNSUPPORTED_VERSION']).toContain(
        codeOf(() => decodeCheckpoint(bad)),
      );
    }
    for (const cut of [0, 10, 27, bytes.length - 1]) {
      expect(codeOf(() => decodeCheckpoint(bytes.subarray(0, cut)))).toBe('FED_TRUNCATED');
    }
  });
});
