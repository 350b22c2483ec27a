import { deriveSeed, type StepRecord, ZoOptimizer } from '@meerkat/zo-estimator';
import type { ClientUpdate } from '../src/client-update.js';

/** A deterministic fake client: L(θ) = ½·Σ (θ_i − target_i)², with its own target per client. */
export function clientTarget(clientId: string, k: number): Float32Array {
  const target = new Float32Array(k);
  let h = 0;
  for (const ch of clientId) h = (h * 31 + ch.charCodeAt(0)) % 1000;
  for (let i = 0; i < k; i++) target[i] = Math.sin(h + 0.37 * i);
  return target;
}

export interface LocalRun {
  readonly update: ClientUpdate;
  /** The client's live θ_c after its local steps. */
  readonly theta: Float32Array;
  readonly records: StepRecord[];
}

/** Runs `steps` real ZoOptimizer steps from a copy of θ^r with the derived seeds. */
export async function runQuadraticClient(
  thetaR: Float32Array,
  options: {
    runSeed: bigint;
    round: number;
    clientId: string;
    steps: number;
    lr: number;
    numSamples?: number;
    directions?: number;
  },
): Promise<LocalRun> {
  const theta = Float32Array.from(thetaR);
  const target = clientTarget(options.clientId, theta.length);
  const objective = (t: Float32Array): number => {
    let s = 0;
    for (let i = 0; i < t.length; i++) s += (t[i]! - target[i]!) ** 2;
    return 0.5 * s;
  };
  const optimizer = new ZoOptimizer(theta, {
    lr: options.lr,
    eps: 1e-3,
    directions: options.directions ?? 1,
  });
  const records: StepRecord[] = [];
  const g: number[] = [];
  let lossSum = 0;
  for (let t = 0; t < options.steps; t++) {
    const seed = deriveSeed(options.runSeed, options.round, options.clientId, t);
    const result = await optimizer.step(objective, seed);
    if (result.record === undefined) throw new Error('unexpected skipped step');
    records.push(result.record);
    // The upload is per-direction: steps × directions scalars, step-major (`StepRecord.gs`).
    if (result.record.gs === undefined) g.push(result.record.g);
    else g.push(...result.record.gs);
    lossSum += result.loss;
  }
  return {
    update: {
      round: options.round,
      clientId: options.clientId,
      g,
      numSamples: options.numSamples ?? 10,
      loss: { mean: lossSum / options.steps },
    },
    theta,
    records,
  };
}
