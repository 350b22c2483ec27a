import {
  applyReplayLog,
  encodeReplayLog,
  FederatedServer,
  type ReplayLog,
  replayLogByteLength,
} from '@meerkat/fed-aggregate';
import { PhiloxUniformStream } from '@meerkat/seeded';
import { deriveSeed } from '@meerkat/zo-estimator';
import { describe, expect, it } from 'vitest';
import { expandRoundLogV2, type RoundLogContext } from '../src/protocol/expand-round-log-v2.js';
import { roundLogV2ByteLength } from '../src/protocol/frame-sizes.js';
import type { RosterEntry, RoundLogV2 } from '../src/protocol/messages-v2.js';
import { decodeRosterV2, encodeRosterV2 } from '../src/protocol/roster-v2.js';
import { decodeRoundLogV2, encodeRoundLogV2 } from '../src/protocol/round-log-v2.js';
import { roundLogV2FromReplayLog } from '../src/protocol/round-log-v2-from-replay-log.js';
import { expectProtocolError } from './protocol-v2-samples.js';

const runSeed = 0x9e37_79b9_7f4a_7c15n;
const lr = 0.02;
const directions = 2;

/** The run's client list in join order (not clientId order: indices must not depend on it). */
const clients: RosterEntry[] = [
  { clientId: 'carol', numSamples: 7 },
  { clientId: 'alice', numSamples: 120 },
  { clientId: 'dave', numSamples: 1 },
  { clientId: 'bob', numSamples: 33 },
  { clientId: 'Émile', numSamples: 5000 },
];
const samplesOf = new Map(clients.map((c) => [c.clientId, c.numSamples]));
const context: RoundLogContext = { runSeed, lr, directions, distribution: 'gaussian', clients };

const bytesOf = (a: Float32Array | Float64Array | BigUint64Array) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Real FederatedServer rounds: the clients upload float32-representable g (what v2 carries);
 * round 1 leaves two clients out, so participants are a strict subset of the client list.
 */
function serverRounds(rounds: number): {
  theta0: Float32Array;
  logs: ReplayLog[];
  thetas: Float32Array[];
} {
  const rng = new PhiloxUniformStream(runSeed, 0x10c2, 0);
  const theta0 = Float32Array.from({ length: 257 }, () => rng.nextOpenUnit() - 0.5);
  const server = new FederatedServer(
    { runSeed, lr, directions, distribution: 'gaussian', localSteps: 3 },
    theta0,
  );
  for (const c of clients) server.registerClient(c.clientId);
  server.setLocalSteps('bob', 1);
  server.setLocalSteps('dave', 5);
  const logs: ReplayLog[] = [];
  const thetas: Float32Array[] = [];
  for (let r = 0; r < rounds; r++) {
    const plan = server.openRound(0);
    for (const c of plan.clients) {
      if (r === 1 && (c.clientId === 'alice' || c.clientId === 'dave')) continue;
      const g = Float64Array.from({ length: c.steps * directions }, () =>
        Math.fround(4 * (rng.nextOpenUnit() - 0.5)),
      );
      const verdict = server.submit(
        {
          round: r,
          clientId: c.clientId,
          g,
          numSamples: samplesOf.get(c.clientId)!,
          loss: { mean: 1 },
        },
        0,
      );
      expect(verdict.status).toBe('accepted');
    }
    const { log, theta } = server.closeRound();
    logs.push(log);
    thetas.push(theta);
  }
  return { theta0, logs, thetas };
}

describe('round log v2', () => {
  it('v1 log → v2 log → expanded ReplayLog reproduces seeds, g and weights bit for bit, and replays to the same θ', () => {
    const { theta0, logs, thetas } = serverRounds(3);
    const viaV1 = theta0.slice();
    const viaV2 = theta0.slice();
    for (const [r, log] of logs.entries()) {
      const v2 = roundLogV2FromReplayLog(log, { runSeed, clients });
      const bytes = encodeRoundLogV2(v2);
      const decoded = decodeRoundLogV2(bytes);
      expect(decoded).toEqual(v2);
      const expanded = expandRoundLogV2(decoded, context);
      expect(expanded.round).toBe(log.round);
      expect(expanded.lr).toBe(log.lr);
      expect(expanded.directions).toBe(log.directions);
      expect(expanded.distribution).toBe(log.distribution);
      expect(bytesOf(expanded.seeds)).toEqual(bytesOf(log.seeds));
      expect(bytesOf(expanded.g)).toEqual(bytesOf(log.g));
      expect(bytesOf(expanded.p)).toEqual(bytesOf(log.p));
      expect(encodeReplayLog(expanded)).toEqual(encodeReplayLog(log));
      applyReplayLog(viaV1, log);
      applyReplayLog(viaV2, expanded);
      expect(bytesOf(viaV2)).toEqual(bytesOf(viaV1));
      expect(bytesOf(viaV2)).toEqual(bytesOf(thetas[r]!));
      // Dimension-free and 6× smaller per step and direction: 4 B of g instead of 24 B of (seed, g, p).
      expect(bytes.length).toBe(roundLogV2ByteLength(v2));
      expect(bytes.length).toBeLessThan(replayLogByteLength(log.seeds.length, directions) / 3);
    }
    // Round 1 had three participants (alice and dave sent nothing), in clientId order.
    const round1 = roundLogV2FromReplayLog(logs[1]!, { runSeed, clients });
    expect(round1.participants.map((p) => clients[p.client]!.clientId)).toEqual([
      'bob',
      'carol',
      'Émile',
    ]);
    expect(round1.participants.map((p) => p.steps)).toEqual([1, 3, 3]);
    expect(roundLogV2ByteLength(round1)).toBe(9 + 1 + 1 + 3 * 2 + 4 * 7 * directions);
  });

  it('derives seeds as deriveSeed(runSeed, round, clientId, t) and weights as n_c / Σ n over the participants', () => {
    const log: RoundLogV2 = {
      round: 12,
      participants: [
        { client: 1, steps: 2 }, // alice, 120
        { client: 3, steps: 0 }, // bob, 33: weight, no entries
        { client: 0, steps: 1 }, // carol, 7
      ],
      g: Float32Array.of(1, 2, 3, 4, 5, 6),
    };
    const expanded = expandRoundLogV2(log, context);
    expect([...expanded.seeds]).toEqual([
      deriveSeed(runSeed, 12, 'alice', 0),
      deriveSeed(runSeed, 12, 'alice', 1),
      deriveSeed(runSeed, 12, 'carol', 0),
    ]);
    expect([...expanded.p]).toEqual([120 / 160, 120 / 160, 7 / 160]);
    expect([...expanded.g]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('an empty round (quorum not met) is an empty log', () => {
    const empty: RoundLogV2 = { round: 3, participants: [], g: new Float32Array(0) };
    const bytes = encodeRoundLogV2(empty);
    expect(bytes.length).toBe(11);
    const expanded = expandRoundLogV2(decodeRoundLogV2(bytes), context);
    expect(expanded.seeds.length).toBe(0);
    expect(encodeReplayLog(expanded).length).toBe(replayLogByteLength(0, directions));
  });

  it('expansion refuses a log that does not fit the run', () => {
    const ok: RoundLogV2 = {
      round: 1,
      participants: [{ client: 1, steps: 1 }],
      g: Float32Array.of(1, 2),
    };
    expect(
      expectProtocolError(() =>
        expandRoundLogV2({ ...ok, participants: [{ client: 5, steps: 1 }] }, context),
      ).message,
    ).toMatch(/client index 5, but the client list has 5 clients/);
    expect(
      expectProtocolError(() =>
        expandRoundLogV2(
          {
            ...ok,
            participants: [
              { client: 0, steps: 1 },
              { client: 1, steps: 0 },
            ],
          },
          context,
        ),
      ).message,
    ).toMatch(/clientId order, carol comes before alice/);
    expect(
      expectProtocolError(() => expandRoundLogV2(ok, { ...context, directions: 1 })).message,
    ).toMatch(/2 g values, expected/);
    expect(expectProtocolError(() => expandRoundLogV2(ok, { ...context, lr: 0 })).message).toMatch(
      /lr/,
    );
    expect(
      expectProtocolError(() => expandRoundLogV2(ok, { ...context, runSeed: -1n })).message,
    ).toMatch(/runSeed/);
  });

  it('conversion from v1 refuses what v2 cannot hold exactly, never guessing', () => {
    const { logs } = serverRounds(1);
    const log = logs[0]!;
    const notFloat32 = { ...log, g: log.g.map((x, j) => (j === 3 ? 0.1 : x)) };
    expect(
      expectProtocolError(() => roundLogV2FromReplayLog(notFloat32, { runSeed, clients })).message,
    ).toMatch(/g\[3\] = 0.1 is not float32-representable/);
    const withoutBob = clients.filter((c) => c.clientId !== 'bob');
    expect(
      expectProtocolError(() => roundLogV2FromReplayLog(log, { runSeed, clients: withoutBob }))
        .message,
    ).toMatch(/not step 0 of any client/);
    const otherSamples = clients.map((c) => (c.clientId === 'dave' ? { ...c, numSamples: 2 } : c));
    expect(
      expectProtocolError(() => roundLogV2FromReplayLog(log, { runSeed, clients: otherSamples }))
        .message,
    ).toMatch(/weights are not n_c/);
    expect(
      expectProtocolError(() => roundLogV2FromReplayLog({ ...log, lr: -1 }, { runSeed, clients }))
        .message,
    ).toMatch(/not a valid replay log/);
  });

  it('the roster frame carries the client list a replica needs to expand logs', () => {
    const first = decodeRosterV2(encodeRosterV2({ from: 0, clients: clients.slice(0, 3) }));
    const later = decodeRosterV2(encodeRosterV2({ from: 3, clients: clients.slice(3) }));
    const list = [...first.clients];
    list.splice(later.from, later.clients.length, ...later.clients);
    expect(list).toEqual(clients);
    expect(
      expectProtocolError(() =>
        encodeRosterV2({ from: 0, clients: [{ clientId: '\ud800', numSamples: 1 }] }),
      ).message,
    ).toMatch(/lone surrogates/);
  });
});
