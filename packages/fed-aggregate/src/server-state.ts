import type { StoredClientUpdate } from './client-update.js';
import type { ReplayLog } from './replay-log.js';
import type { ResolvedServerConfig } from './server-config.js';

/** A sampled client's assignment in an open round. */
export interface ClientAssignment {
  readonly clientId: string;
  /** Local steps it must run (and g values it must upload). */
  readonly steps: number;
}

/** The open round: who was sampled, until when, and what arrived. */
export interface OpenRoundState {
  readonly round: number;
  readonly openedAt: number;
  readonly deadline: number;
  /** Sorted by clientId. */
  readonly assignments: readonly ClientAssignment[];
  /** Accepted updates, in arrival order. */
  readonly updates: readonly StoredClientUpdate[];
}

/** Everything a `FederatedServer` is; `encodeCheckpoint` serialises exactly this. */
export interface ServerState {
  readonly config: ResolvedServerConfig;
  /** θ is θ^round: `round` rounds have been aggregated. */
  readonly round: number;
  readonly theta: Float32Array;
  /** Registered client ids, sorted. */
  readonly clients: readonly string[];
  /** Per-client local-step overrides (e.g. Meerkat-vp's 1 step for flagged clients), sorted by id. */
  readonly localStepOverrides: readonly (readonly [clientId: string, steps: number])[];
  readonly current: OpenRoundState | null;
  /** Retained replay logs, oldest first, consecutive rounds ending at round − 1. */
  readonly logs: readonly ReplayLog[];
}
