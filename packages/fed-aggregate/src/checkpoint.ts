import { BinaryFormat } from './binary-format.js';
import { ByteReader, ByteWriter } from './byte-io.js';
import { checkServerState } from './check-server-state.js';
import { type LossStats, type StoredClientUpdate, storeClientUpdate } from './client-update.js';
import { FedAggregateError } from './errors.js';
import type { ReplayLog } from './replay-log.js';
import { decodeReplayLog, encodeReplayLog } from './replay-log-codec.js';
import { type ResolvedServerConfig, resolveServerConfig } from './server-config.js';
import type { OpenRoundState, ServerState } from './server-state.js';

/** Current checkpoint format version. */
export const CHECKPOINT_FORMAT_VERSION = 1;
const CHECKPOINT_FORMAT = new BinaryFormat(
  'checkpoint',
  'MKCP',
  CHECKPOINT_FORMAT_VERSION,
  'Use another checkpoint copy.',
);
const HEADER_BYTES = 28;

/** JSON form of one accepted update in the open round (its g values live in the binary g section). */
interface CheckpointUpdateMeta {
  clientId: string;
  steps: number;
  numSamples: number;
  loss?: LossStats;
  skippedSteps?: number;
}

/** JSON form of the metadata section (numbers that may be Infinity are written as null). */
interface CheckpointMeta {
  config: {
    runSeed: string;
    lr: number;
    directions: number;
    distribution: string;
    participation: { fraction: number } | { count: number };
    localSteps: number;
    gMax: number | null;
    roundDurationMs: number | null;
    retainLogs: number;
    maxLogGap: number;
    minUpdates: number;
  };
  round: number;
  clients: string[];
  localStepOverrides: [string, number][];
  current: {
    round: number;
    openedAt: number;
    deadline: number | null;
    assignments: { clientId: string; steps: number }[];
    updates: CheckpointUpdateMeta[];
  } | null;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
const nullToInfinity = (x: number | null): number => (x === null ? Number.POSITIVE_INFINITY : x);

/**
 * Serialises the whole server state (little-endian):
 * `"MKCP" | u16 version=1 | u16 0 | u32 metaBytes | u32 k | u32 gCount | u32 logCount | u32 0 |
 * meta (UTF-8 JSON: config with runSeed as a decimal string, round, clients, step overrides, the
 * open round's assignments and updates without g) | θ f32[k] | the open round's g values f64[gCount]
 * in update order | logCount × (u32 byteLength | replay log bytes) | u32 CRC-32 of all preceding bytes`.
 */
export function encodeCheckpoint(state: ServerState): Uint8Array {
  const c = state.config;
  const cur = state.current;
  const meta: CheckpointMeta = {
    config: {
      runSeed: c.runSeed.toString(),
      lr: c.lr,
      directions: c.directions,
      distribution: c.distribution,
      participation: c.participation,
      localSteps: c.localSteps,
      gMax: finiteOrNull(c.gMax),
      roundDurationMs: finiteOrNull(c.roundDurationMs),
      retainLogs: c.retainLogs,
      maxLogGap: c.maxLogGap,
      minUpdates: c.minUpdates,
    },
    round: state.round,
    clients: [...state.clients],
    localStepOverrides: state.localStepOverrides.map(([id, steps]) => [id, steps]),
    current:
      cur === null
        ? null
        : {
            round: cur.round,
            openedAt: cur.openedAt,
            deadline: finiteOrNull(cur.deadline),
            assignments: cur.assignments.map((a) => ({ clientId: a.clientId, steps: a.steps })),
            updates: cur.updates.map((u) => {
              const entry: CheckpointUpdateMeta = {
                clientId: u.clientId,
                steps: u.g.length,
                numSamples: u.numSamples,
              };
              if (u.loss !== undefined) entry.loss = u.loss;
              if (u.skippedSteps !== undefined) entry.skippedSteps = u.skippedSteps;
              return entry;
            }),
          },
  };
  const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
  const gCount = cur === null ? 0 : cur.updates.reduce((n, u) => n + u.g.length, 0);
  const logs = state.logs.map(encodeReplayLog);
  const logBytes = logs.reduce((n, b) => n + 4 + b.length, 0);
  const out = new ByteWriter(
    HEADER_BYTES + metaBytes.length + 4 * state.theta.length + 8 * gCount + logBytes + 4,
  );
  CHECKPOINT_FORMAT.writeStart(out);
  out.u16(0);
  out.u32(metaBytes.length);
  out.u32(state.theta.length);
  out.u32(gCount);
  out.u32(logs.length);
  out.u32(0);
  out.bytes(metaBytes);
  out.f32Array(state.theta);
  if (cur !== null)
    for (const u of cur.updates) for (let t = 0; t < u.g.length; t++) out.f64(u.g[t]!);
  for (const b of logs) {
    out.u32(b.length);
    out.bytes(b);
  }
  return CHECKPOINT_FORMAT.finish(out);
}

const corrupt = (message: string): FedAggregateError => CHECKPOINT_FORMAT.corrupt(message);

function parseMeta(bytes: Uint8Array): CheckpointMeta {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as CheckpointMeta;
  } catch {
    throw corrupt('metadata is not valid UTF-8 JSON');
  }
}

/**
 * Decodes `encodeCheckpoint` output; throws `FED_TRUNCATED`, `FED_CORRUPT` or
 * `FED_UNSUPPORTED_VERSION`. A checkpoint whose checksum matches but whose contents are not a
 * consistent server state (`checkServerState`) is `FED_CORRUPT` too.
 */
export function decodeCheckpoint(bytes: Uint8Array): ServerState {
  const header = new ByteReader(bytes, 'checkpoint');
  CHECKPOINT_FORMAT.readStart(header);
  header.u16();
  const metaLength = header.u32();
  const k = header.u32();
  const gCount = header.u32();
  const logCount = header.u32();
  header.u32();
  if (bytes.length < 4 + HEADER_BYTES) {
    throw new FedAggregateError('FED_TRUNCATED', 'checkpoint is truncated; re-fetch it');
  }
  const minimum = HEADER_BYTES + metaLength + 4 * k + 8 * gCount + 4 * logCount + 4;
  if (bytes.length < minimum) {
    throw new FedAggregateError(
      'FED_TRUNCATED',
      `checkpoint is truncated: ${bytes.length} bytes, its header needs at least ${minimum}. Re-fetch it.`,
    );
  }
  CHECKPOINT_FORMAT.checkChecksum(bytes, bytes.length);

  const body = new ByteReader(bytes, 'checkpoint', HEADER_BYTES, bytes.length - 4);
  const meta = parseMeta(body.bytesView(metaLength));
  const theta = body.f32Array(k);
  const gValues = new Float64Array(gCount);
  for (let i = 0; i < gCount; i++) gValues[i] = body.f64();
  const logs: ReplayLog[] = [];
  for (let i = 0; i < logCount; i++) logs.push(decodeReplayLog(body.bytesView(body.u32())));
  if (body.remaining !== 0) throw corrupt(`${body.remaining} unexpected bytes before the checksum`);

  try {
    const m = meta.config;
    const config: ResolvedServerConfig = resolveServerConfig({
      runSeed: BigInt(m.runSeed),
      lr: m.lr,
      directions: m.directions,
      distribution: m.distribution as ResolvedServerConfig['distribution'],
      participation: m.participation,
      localSteps: m.localSteps,
      gMax: nullToInfinity(m.gMax),
      roundDurationMs: nullToInfinity(m.roundDurationMs),
      retainLogs: m.retainLogs,
      maxLogGap: m.maxLogGap,
      minUpdates: m.minUpdates,
    });
    let current: OpenRoundState | null = null;
    if (meta.current !== null) {
      let at = 0;
      const round = meta.current.round;
      const updates: StoredClientUpdate[] = meta.current.updates.map(({ steps, ...u }) => {
        if (!Number.isInteger(steps) || steps < 0 || at + steps > gCount) {
          throw corrupt('update step counts do not match the g section');
        }
        const g = gValues.subarray(at, at + steps);
        at += steps;
        return storeClientUpdate({ ...u, round, g });
      });
      if (at !== gCount) throw corrupt('the g section has values no update claims');
      current = {
        round: meta.current.round,
        openedAt: meta.current.openedAt,
        deadline: nullToInfinity(meta.current.deadline),
        assignments: meta.current.assignments,
        updates,
      };
    }
    const state: ServerState = {
      config,
      round: meta.round,
      theta,
      clients: meta.clients,
      localStepOverrides: meta.localStepOverrides,
      current,
      logs,
    };
    checkServerState(state);
    return state;
  } catch (error) {
    if (error instanceof FedAggregateError && error.code === 'FED_CORRUPT') throw error;
    throw corrupt(
      `contents are inconsistent (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
