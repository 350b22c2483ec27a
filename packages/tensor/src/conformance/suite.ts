import type { Backend, Tensor } from '../backend.js';
import type { CaseContext, ConformanceCase } from './case.js';
import { attentionCases } from './cases-attention.js';
import { decoderCases } from './cases-decoder.js';
import { errorCases } from './cases-errors.js';
import { gradientCases } from './cases-gradients.js';
import { lifetimeCases } from './cases-lifetime.js';
import { lossCases } from './cases-loss.js';
import { mathCases } from './cases-math.js';
import { ConformanceFailure } from './compare.js';
import { SeededRandom } from './random.js';

/** Every conformance case, the same for every backend. */
export const conformanceCases: readonly ConformanceCase[] = [
  ...mathCases,
  ...attentionCases,
  ...lossCases,
  ...lifetimeCases,
  ...errorCases,
  ...decoderCases,
  ...gradientCases,
];

export interface ConformanceOptions {
  /** Seed of the input generator (mixed with each case's name). Default 20260101. */
  readonly seed?: number;
  /**
   * Multiplies every tolerance (default 1). Prefer declaring the backend's real
   * `precision.unitRoundoff`; use this only with a written reason.
   */
  readonly toleranceScale?: number;
  /** Case names (or a predicate) to leave out, with a written reason in the backend's tests. */
  readonly skip?: readonly string[] | ((testCase: ConformanceCase) => boolean);
}

export interface CaseOutcome {
  readonly name: string;
  readonly op: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  readonly message?: string;
}

export interface ConformanceReport {
  readonly backend: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly outcomes: readonly CaseOutcome[];
}

function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function skipReason(
  testCase: ConformanceCase,
  backend: Backend,
  options: ConformanceOptions,
): string | undefined {
  const { skip } = options;
  if (typeof skip === 'function' ? skip(testCase) : skip?.includes(testCase.name))
    return 'skipped by options';
  if (testCase.requires === 'gradients' && !backend.capabilities.gradients) {
    return 'needs capabilities.gradients';
  }
  return undefined;
}

/**
 * Runs one case on a backend: fresh seeded inputs, then a leak check (live tensors and bytes
 * equal before and after, once the case disposed what it owns). Throws `ConformanceFailure`
 * (or the backend's own error) when the case fails.
 */
export async function runCase(
  backend: Backend,
  testCase: ConformanceCase,
  options: ConformanceOptions = {},
): Promise<void> {
  const owned: Tensor[] = [];
  const ctx: CaseContext = {
    backend,
    random: new SeededRandom(((options.seed ?? 20260101) ^ hashName(testCase.name)) >>> 0),
    u: backend.capabilities.precision.unitRoundoff * (options.toleranceScale ?? 1),
    own(x) {
      owned.push(x);
      return x;
    },
  };
  const before = backend.memory();
  try {
    await testCase.run(ctx);
  } finally {
    backend.dispose(owned);
  }
  const after = backend.memory();
  if (after.tensors !== before.tensors || after.bytes !== before.bytes) {
    throw new ConformanceFailure(
      `${testCase.name}: leaked ${after.tensors - before.tensors} tensors / ${after.bytes - before.bytes} bytes`,
    );
  }
}

/** Runs every case on one backend and reports; never throws for a failing case. */
export async function checkBackend(
  backend: Backend,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const outcomes: CaseOutcome[] = [];
  for (const testCase of conformanceCases) {
    const { name, op } = testCase;
    const reason = skipReason(testCase, backend, options);
    if (reason !== undefined) {
      outcomes.push({ name, op, status: 'skipped', message: reason });
      continue;
    }
    try {
      await runCase(backend, testCase, options);
      outcomes.push({ name, op, status: 'passed' });
    } catch (error) {
      outcomes.push({
        name,
        op,
        status: 'failed',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  const count = (s: CaseOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  return {
    backend: backend.name,
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    outcomes,
  };
}

/** The slice of a test framework the suite needs (vitest, jest, mocha and node:test all fit). */
export interface TestApi {
  describe(name: string, fn: () => void): unknown;
  it(name: string, fn: () => Promise<void>): unknown;
}

/**
 * Registers one test per case with the caller's test framework, so this package needs no test
 * framework at runtime. The backend is created once (lazily, on the first test) and shared.
 * A case that does not apply (skipped by options, or needing gradients the backend lacks)
 * passes without running.
 */
export function runConformanceSuite(
  createBackend: () => Backend | Promise<Backend>,
  api: TestApi,
  options: ConformanceOptions = {},
  label = 'tensor backend conformance',
): void {
  let backend: Promise<Backend> | undefined;
  const get = () => {
    backend ??= Promise.resolve(createBackend());
    return backend;
  };
  api.describe(label, () => {
    for (const testCase of conformanceCases) {
      api.it(`${testCase.op}: ${testCase.name}`, async () => {
        const b = await get();
        if (skipReason(testCase, b, options) !== undefined) return;
        await runCase(b, testCase, options);
      });
    }
  });
}
