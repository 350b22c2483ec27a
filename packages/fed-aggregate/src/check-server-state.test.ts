import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../test/error-code.js';
import { checkServerState } from './check-server-state.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { storeClientUpdate } from './client-update.js';
import { FederatedServer } from './federated-server.js';
import type { ServerState } from './server-state.js';

const bits = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);

/**
 * A real server mid-round 2: logs of rounds 0 and 1 retained, clients a..d registered, 3 of them
 * sampled with 2 steps × 2 directions each (4 g values), one update accepted.
 */
function midRoundServer() {
  const server = new FederatedServer(
    { runSeed: 5n, lr: 0.05, directions: 2, localSteps: 2, participation: { count: 3 } },
    Float32Array.from({ length: 6 }, (_, i) => i / 10),
  );
  for (const id of ['a', 'b', 'c', 'd']) server.registerClient(id);
  server.setLocalSteps('b', 3);
  for (let round = 0; round < 3; round++) {
    const plan = server.openRound(round * 10);
    const first = plan.clients[0]!;
    const g = Array.from({ length: first.steps * 2 }, (_, j) => 0.5 - j / 8);
    expect(
      server.submit({ round, clientId: first.clientId, g, numSamples: 4 }, round * 10),
    ).toEqual({ status: 'accepted' });
    if (round < 2) server.closeRound();
  }
  const plan = server.currentPlan!;
  const sampled = plan.clients.map((c) => c.clientId);
  const notSampled = ['a', 'b', 'c', 'd'].find((id) => !sampled.includes(id))!;
  return { server, sampled, notSampled };
}

describe('checkServerState: one consistency check for fromState and decodeCheckpoint', () => {
  it('accepts the states a real server is in (fresh, mid-round, after rounds)', () => {
    const { server } = midRoundServer();
    expect(errorCodeOf(() => checkServerState(server.snapshot()))).toBe('no error');
    server.closeRound();
    expect(errorCodeOf(() => checkServerState(server.snapshot()))).toBe('no error');
    const fresh = new FederatedServer({ runSeed: 1n, lr: 0.1, retainLogs: 0 }, new Float32Array(2));
    expect(errorCodeOf(() => checkServerState(fresh.snapshot()))).toBe('no error');
  });

  it('rejects CRC-valid but inconsistent checkpoints with FED_CORRUPT and such states in fromState with FED_INVALID_ARGUMENT, leaving the source untouched', () => {
    const { server, sampled, notSampled } = midRoundServer();
    const state = server.snapshot();
    const cur = state.current!;
    const update = cur.updates[0]!;
    const withUpdate = (patch: object): ServerState => ({
      ...state,
      current: { ...cur, updates: [storeClientUpdate({ ...update, ...patch })] },
    });
    const cases: [string, ServerState][] = [
      ['open round ≠ round', { ...state, current: { ...cur, round: 7 } }],
      ['update from a registered client not sampled', withUpdate({ clientId: notSampled })],
      ['update from an unregistered client', withUpdate({ clientId: 'ghost' })],
      ['NaN g', withUpdate({ g: [0.5, Number.NaN, 0, 0] })],
      ['infinite g', withUpdate({ g: [0.5, Number.POSITIVE_INFINITY, 0, 0] })],
      ['g count = steps, not steps × directions', withUpdate({ g: update.g.subarray(0, 2) })],
      ['numSamples 0', withUpdate({ numSamples: 0 })],
      ['numSamples < 0', withUpdate({ numSamples: -5 })],
      ['invalid loss', withUpdate({ loss: { mean: Number.NaN } })],
      ['two updates from one client', { ...state, current: { ...cur, updates: [update, update] } }],
      [
        'assignment with steps 0',
        {
          ...state,
          current: { ...cur, assignments: cur.assignments.map((a) => ({ ...a, steps: 0 })) },
        },
      ],
      [
        'duplicate assignment ids',
        { ...state, current: { ...cur, assignments: [...cur.assignments, cur.assignments[0]!] } },
      ],
      [
        'assignment of an unregistered id',
        {
          ...state,
          current: { ...cur, assignments: [...cur.assignments, { clientId: 'zed', steps: 1 }] },
        },
      ],
      ['logs not consecutive', { ...state, logs: [state.logs[1]!, state.logs[0]!] }],
      ['logs not ending at round − 1', { ...state, logs: [state.logs[0]!] }],
      ['log from the future', { ...state, logs: [...state.logs, { ...state.logs[0]!, round: 2 }] }],
      ['NaN θ', { ...state, theta: Float32Array.from([Number.NaN, 0, 0, 0, 0, 0]) }],
      [
        'infinite θ',
        { ...state, theta: Float32Array.from([0, Number.NEGATIVE_INFINITY, 0, 0, 0, 0]) },
      ],
      ['override for an unregistered id', { ...state, localStepOverrides: [['zed', 2]] }],
      ['round past 2^32', { ...state, round: 2 ** 32, current: null, logs: [] }],
    ];
    expect(sampled).toHaveLength(3);
    const before = server.checkpoint();
    const thetaBefore = server.theta;
    for (const [name, forged] of cases) {
      const bytes = encodeCheckpoint(forged);
      const copy = bytes.slice();
      expect([name, errorCodeOf(() => decodeCheckpoint(bytes))]).toEqual([name, 'FED_CORRUPT']);
      expect([name, errorCodeOf(() => FederatedServer.fromCheckpoint(bytes))]).toEqual([
        name,
        'FED_CORRUPT',
      ]);
      expect([name, errorCodeOf(() => FederatedServer.fromState(forged))]).toEqual([
        name,
        'FED_INVALID_ARGUMENT',
      ]);
      expect(Buffer.from(bytes).equals(Buffer.from(copy))).toBe(true);
    }
    // The source server is untouched and its own checkpoint still resumes bit for bit.
    expect(Buffer.from(server.checkpoint()).equals(Buffer.from(before))).toBe(true);
    expect(bits(server.theta).equals(bits(thetaBefore))).toBe(true);
    const resumed = FederatedServer.fromCheckpoint(before);
    expect(Buffer.from(resumed.checkpoint()).equals(Buffer.from(before))).toBe(true);
  });

  it("the reviewer's wedge: a forged checkpoint no longer yields a server whose closeRound throws", () => {
    const { server } = midRoundServer();
    const state = server.snapshot();
    const cur = state.current!;
    const forged: ServerState = {
      ...state,
      current: {
        ...cur,
        round: 7,
        updates: [storeClientUpdate({ ...cur.updates[0]!, clientId: 'ghost', numSamples: -5 })],
      },
    };
    expect(errorCodeOf(() => FederatedServer.fromCheckpoint(encodeCheckpoint(forged)))).toBe(
      'FED_CORRUPT',
    );
  });
});
