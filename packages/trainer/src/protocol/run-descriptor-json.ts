import type { RunDescriptor } from './messages.js';
import { protocolError } from './protocol-error.js';

/**
 * The run descriptor as the UTF-8 JSON section of a v2 `welcome` frame. It is sent once per
 * join, its size (~300 B) does not grow with rounds, steps or k, and it holds strings and enums
 * that will gain members: JSON keeps it readable and extensible where a binary layout would save
 * a couple of hundred bytes once per client per run. Keys are written in one fixed order, so the
 * same descriptor always gives the same bytes; decoding checks every field and rejects unknown
 * ones (a silently dropped field would be a wrong decode).
 */

const KINDS = {
  runId: 'string',
  runSeed: 'seed',
  dataSeed: 'seed',
  optimizer: ['zo', 'sgd'],
  lr: 'positive',
  eps: 'finite',
  directions: 'count',
  distribution: ['gaussian', 'rademacher'],
  batchSize: 'count',
  k: 'count',
  layoutFingerprint: 'string',
} as const satisfies Record<keyof RunDescriptor, unknown>;

const KEYS = Object.keys(KINDS) as (keyof RunDescriptor)[];
const U64_MAX = (1n << 64n) - 1n;

function problem(key: string, value: unknown): string | undefined {
  const kind = KINDS[key as keyof RunDescriptor];
  if (Array.isArray(kind)) {
    return kind.includes(value as never) ? undefined : `must be one of ${kind.join(', ')}`;
  }
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'seed':
      return typeof value === 'string' &&
        /^(0|[1-9][0-9]{0,19})$/.test(value) &&
        BigInt(value) <= U64_MAX
        ? undefined
        : 'must be a decimal 64-bit seed';
    case 'positive':
      return typeof value === 'number' && Number.isFinite(value) && value > 0
        ? undefined
        : 'must be a finite number > 0';
    case 'finite':
      return typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0)
        ? undefined
        : 'must be a finite number (not −0, which JSON cannot carry)';
    case 'count':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
        ? undefined
        : 'must be an integer >= 1';
  }
  return 'is not a descriptor field';
}

function check(run: Record<string, unknown>, what: string): void {
  for (const key of Object.keys(run)) {
    if (!(key in KINDS)) {
      throw protocolError(`${what}: unknown field ${JSON.stringify(key)}`);
    }
  }
  for (const key of KEYS) {
    const why = problem(key, run[key]);
    if (why !== undefined) {
      throw protocolError(`${what}: ${key} ${why}, got ${JSON.stringify(run[key])}`);
    }
  }
}

/** The descriptor's JSON text, keys in descriptor order; a malformed descriptor is `MEERKAT_PROTOCOL`. */
export function runDescriptorJson(run: RunDescriptor): string {
  if (run === null || typeof run !== 'object') {
    throw protocolError('run descriptor must be an object');
  }
  check(run as unknown as Record<string, unknown>, 'run descriptor');
  const ordered: Record<string, unknown> = {};
  for (const key of KEYS) ordered[key] = run[key];
  return JSON.stringify(ordered);
}

/** Parses and checks a descriptor's JSON text; anything else is `MEERKAT_PROTOCOL`. */
export function parseRunDescriptorJson(text: string, what: string): RunDescriptor {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw protocolError(`${what} is not JSON`, cause);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw protocolError(`${what} is not a JSON object`);
  }
  check(value as Record<string, unknown>, what);
  return value as RunDescriptor;
}
