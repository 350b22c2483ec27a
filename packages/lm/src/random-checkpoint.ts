import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configToJson, type LlamaConfig } from './config.js';
import { LmError } from './errors.js';
import { parameterSpecs } from './layout.js';
import { fillNormal } from './random-init.js';
import { type SafetensorsStreamInput, writeSafetensorsFile } from './safetensors-node.js';

/** Options of {@link writeRandomCheckpoint}. */
export interface RandomCheckpointOptions {
  /** Unsigned 32-bit seed; default 0. */
  readonly seed?: number;
  /** Standard deviation of the weight matrices; default 0.02 (HF `initializer_range`). */
  readonly std?: number;
  /** Float32 values generated per chunk while streaming; default 1 Mi (4 MiB). */
  readonly chunkElements?: number;
}

/** What {@link writeRandomCheckpoint} wrote. */
export interface RandomCheckpoint {
  readonly configPath: string;
  readonly weightsPath: string;
  readonly parameterCount: number;
}

/** How a tensor of the canonical layout is initialised: matrices normal, norms one, biases zero. */
export function initKind(name: string): 'normal' | 'ones' | 'zeros' {
  if (name.endsWith('.bias')) return 'zeros';
  if (name.endsWith('norm.weight')) return 'ones';
  return 'normal';
}

/**
 * Writes `dir/config.json` and `dir/model.safetensors` (F32, canonical tensor order) for
 * `config` with seeded random weights: every 2-D weight (embeddings, projections, lm_head) is
 * normal(0, std) from the counter-based stream of `random-init.ts` keyed by (seed, tensor name);
 * RMSNorm weights are 1; biases are 0. The write streams chunk by chunk, so memory stays at a few
 * MiB whatever the model size; the same (config, seed, std) gives a byte-identical file.
 */
export function writeRandomCheckpoint(
  dir: string,
  config: LlamaConfig,
  options: RandomCheckpointOptions = {},
): RandomCheckpoint {
  const seed = options.seed ?? 0;
  const std = options.std ?? 0.02;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new LmError(
      'LM_INVALID_ARGUMENT',
      `seed must be an unsigned 32-bit integer, got ${seed}.`,
    );
  }
  if (!Number.isFinite(std) || std < 0) {
    throw new LmError(
      'LM_INVALID_ARGUMENT',
      `std must be a finite non-negative number, got ${std}.`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'config.json');
  const weightsPath = join(dir, 'model.safetensors');
  writeFileSync(configPath, `${JSON.stringify(configToJson(config), null, 2)}\n`);
  let parameterCount = 0;
  const tensors: SafetensorsStreamInput[] = parameterSpecs(config).map((spec) => {
    parameterCount += spec.shape.reduce((a, b) => a * b, 1);
    const kind = initKind(spec.name);
    const data =
      kind === 'normal'
        ? (start: number, out: Float32Array) => fillNormal(seed, spec.name, start, out, std)
        : (_start: number, out: Float32Array) => {
            out.fill(kind === 'ones' ? 1 : 0);
          };
    return { name: spec.name, shape: spec.shape, data };
  });
  const metadata = {
    format: 'pt',
    generator: `@meerkat/lm writeRandomCheckpoint seed=${seed} std=${std}`,
  };
  writeSafetensorsFile(weightsPath, tensors, {
    metadata,
    ...(options.chunkElements === undefined ? {} : { chunkElements: options.chunkElements }),
  });
  return { configPath, weightsPath, parameterCount };
}
