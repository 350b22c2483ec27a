import { type CliCommand, type CliIo, CliUsageError, type ParsedArgs } from '@meerkat/cli-kit';
import type { Backend } from '@meerkat/tensor';
import { causalLmLoss } from '../causal-lm-loss.js';
import { loadCheckpoint } from '../checkpoint.js';
import { parameterCount } from '../layout.js';
import { LlamaModel, type LogitsMode } from '../model.js';
import { PRESET_NAMES, type PresetName, presetConfig } from '../presets.js';
import { benchIds } from './bench-ids.js';
import { type BenchReport, formatBenchReport } from './bench-report.js';
import { BACKEND_FLAG, JSON_FLAG, MODEL_FLAG } from './common-flags.js';
import {
  activationBytes,
  FLOPS_FORMULA,
  forwardFlops,
  matmulParameterCount,
} from './forward-cost.js';
import { checkpointWeights, seededWeights } from './lazy-weights.js';
import { matmulProbeCases, probeMatmul } from './matmul-probe.js';
import { modelLabel, resolveModelArg } from './model-arg.js';
import { openBackend } from './open-backend.js';

const TIMED_UNIT: Record<LogitsMode, string> = {
  all: 'forward with logits at every position + causal-LM loss (causalLmLoss: cross-entropy on the backend, per-position NLL downloaded)',
  last: 'forward with last-position logits, downloaded',
};

interface LoadedBenchModel {
  readonly model: LlamaModel;
  readonly label: string;
  readonly source: 'model' | 'config';
  readonly configName: PresetName | null;
}

/**
 * Loads `--model DIR` or makes `--config NAME` with seeded random weights (the values
 * `writeRandomCheckpoint` would write, made in memory), uploading one tensor at a time.
 */
async function loadBenchModel(
  flags: ParsedArgs,
  backend: Backend,
  io: CliIo,
): Promise<LoadedBenchModel> {
  const spec = flags.optionalString('model');
  if (spec !== undefined) {
    const resolved = await resolveModelArg(spec, io, 'bench');
    const checkpoint = loadCheckpoint(resolved.dir);
    const model = LlamaModel.fromWeights(checkpoint.config, checkpointWeights(checkpoint), backend);
    return { model, label: modelLabel(spec, resolved), source: 'model', configName: null };
  }
  const name = flags.string('config') as PresetName;
  const seed = flags.number('seed');
  const config = presetConfig(name);
  const model = LlamaModel.fromWeights(config, seededWeights(config, seed), backend);
  return { model, label: `random ${name} (seed ${seed})`, source: 'config', configName: name };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function bench(flags: ParsedArgs, io: CliIo): Promise<number> {
  const hasModel = flags.has('model');
  const hasConfig = flags.has('config');
  if (hasModel === hasConfig) {
    throw new CliUsageError(
      'CLI_CONFLICTING_FLAGS',
      `bench needs exactly one of --model MODEL or --config NAME (NAME: ${PRESET_NAMES.join(', ')}), got ${hasModel ? 'both' : 'neither'}`,
    );
  }
  const quiet = flags.boolean('quiet');
  const progress = (line: string) => {
    if (!quiet) io.stderr.write(`meerkat-lm bench: ${line}\n`);
  };
  const batch = flags.number('batch');
  const seq = flags.number('seq');
  const logits = flags.string('logits') as LogitsMode;
  const warmup = flags.number('warmup');
  const reps = flags.number('reps');
  const seed = flags.number('seed');
  const maxSeconds = flags.has('max-seconds')
    ? flags.number('max-seconds')
    : Number.POSITIVE_INFINITY;
  if (logits === 'all' && seq < 2) {
    throw new CliUsageError(
      'CLI_INVALID_VALUE',
      '--seq must be ≥ 2 with --logits all (the causal-LM loss needs a next token); use --logits last for --seq 1',
    );
  }

  const backend = await openBackend(flags.string('backend'), 'bench');
  const rssStart = process.memoryUsage().rss;
  progress(
    `backend ${backend.name}; loading ${flags.optionalString('model') ?? `random ${flags.string('config')}`}`,
  );
  const loadStart = performance.now();
  const loaded = await loadBenchModel(flags, backend, io);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const rssAfterLoad = process.memoryUsage().rss;
  const backendBytesAfterLoad = backend.memory().bytes;
  const { model } = loaded;
  const config = model.config;
  try {
    progress(
      `loaded in ${loadSeconds.toFixed(2)} s; RSS ${(rssAfterLoad / 2 ** 20).toFixed(0)} MiB`,
    );
    const ids = benchIds(seed, batch * seq, config.vocabSize);
    const shape = [batch, seq] as const;
    let loss: number | null = null;
    const once = async (): Promise<number> => {
      const start = performance.now();
      if (logits === 'all') loss = (await causalLmLoss(model, ids, shape)).mean;
      else {
        const out = model.forward(ids, shape, { logits: 'last' });
        await backend.download(out);
        out.dispose();
      }
      return (performance.now() - start) / 1000;
    };
    // Warm-ups and timed forwards each stop early once they have used --max-seconds (≥ 1 runs).
    let warmSpent = 0;
    let warmups = 0;
    while (warmups < warmup && warmSpent <= maxSeconds) {
      const s = await once();
      warmSpent += s;
      warmups++;
      progress(`warm-up ${warmups}/${warmup}: ${s.toFixed(3)} s`);
    }
    const times: number[] = [];
    let spent = 0;
    while (times.length < reps && (times.length === 0 || spent <= maxSeconds)) {
      const s = await once();
      times.push(s);
      spent += s;
      progress(`forward ${times.length}/${reps}: ${s.toFixed(3)} s`);
    }
    // Live backend bytes after the forwards: the weights plus whatever the engine keeps
    // between calls (tfjs: cached weight transposes).
    const backendBytesEnd = backend.memory().bytes;
    const probe = await probeMatmul(backend, matmulProbeCases(config, batch * seq), {
      onTiming: (t) => progress(`matmul ${t.label}: ${t.gflops.toFixed(2)} GFLOP/s`),
    });
    const forwardShape = { batch, seq, logits };
    const flops = forwardFlops(config, forwardShape);
    const activations = activationBytes(config, forwardShape);
    const params = parameterCount(config);
    const forwardSeconds = median(times);
    const gflops = flops.total / forwardSeconds / 1e9;
    const report: BenchReport = {
      command: 'bench',
      model: loaded.label,
      source: loaded.source,
      config_name: loaded.configName,
      architecture: config.architecture,
      backend: backend.name,
      batch,
      seq,
      tokens: batch * seq,
      logits,
      timed_unit: TIMED_UNIT[logits],
      seed,
      params,
      matmul_params: matmulParameterCount(config),
      weights_bytes: 4 * params,
      activation_bytes: activations.heldBytes + activations.lossBytes,
      loss_bytes: activations.lossBytes,
      logits_bytes: activations.logitsBytes,
      flops_per_forward: flops.total,
      flops_linear: flops.linear,
      flops_attention: flops.attention,
      flops_formula: FLOPS_FORMULA,
      flops_2nt: 2 * params * batch * seq,
      warmup: warmups,
      reps: times.length,
      load_s: loadSeconds,
      forward_s: forwardSeconds,
      forward_s_min: Math.min(...times),
      forward_s_all: times,
      tokens_per_s: (batch * seq) / forwardSeconds,
      gflops,
      matmul_gflops: probe.best.gflops,
      matmul_best: probe.best.label,
      matmul_fraction: gflops / probe.best.gflops,
      matmul_timings: probe.timings.map((t) => ({
        label: t.label,
        m: t.m,
        k: t.k,
        n: t.n,
        transpose_b: t.transposeB,
        seconds: t.seconds,
        gflops: t.gflops,
      })),
      matmul_skipped: probe.skipped,
      loss,
      rss_start_bytes: rssStart,
      rss_after_load_bytes: rssAfterLoad,
      rss_end_bytes: process.memoryUsage().rss,
      backend_bytes_after_load: backendBytesAfterLoad,
      backend_bytes_end: backendBytesEnd,
      max_rss_bytes: process.resourceUsage().maxRSS * 1024,
    };
    io.stdout.write(
      flags.boolean('json') ? `${JSON.stringify(report)}\n` : formatBenchReport(report),
    );
    return 0;
  } finally {
    model.dispose();
  }
}

/**
 * `meerkat-lm bench`: forward throughput of a model on a backend, with the engine's own matmul
 * throughput measured in the same run, FLOP and memory accounting.
 */
export const benchCommand: CliCommand = {
  spec: {
    name: 'bench',
    summary:
      "Forward-pass throughput (tokens/s, GFLOP/s) against the same engine's best matmul GFLOP/s, measured in the same run.",
    flags: [
      { ...MODEL_FLAG, required: false, description: `${MODEL_FLAG.description} (or --config)` },
      {
        name: 'config',
        type: 'choice',
        valueName: 'NAME',
        choices: PRESET_NAMES,
        description: `a preset shape with seeded random weights, made in memory: ${PRESET_NAMES.join(', ')} (or --model)`,
      },
      {
        name: 'batch',
        type: 'integer',
        valueName: 'B',
        min: 1,
        required: true,
        description: 'sequences per forward',
      },
      {
        name: 'seq',
        type: 'integer',
        valueName: 'S',
        min: 1,
        required: true,
        description: 'tokens per sequence',
      },
      BACKEND_FLAG,
      JSON_FLAG,
      {
        name: 'logits',
        type: 'choice',
        choices: ['all', 'last'],
        default: 'all',
        description:
          'all: logits at every position + the causal-LM loss on the backend (what a training step needs); last: only the last position',
      },
      {
        name: 'warmup',
        type: 'integer',
        min: 0,
        default: 1,
        description: 'untimed forwards first',
      },
      {
        name: 'reps',
        type: 'integer',
        min: 1,
        default: 3,
        description: 'timed forwards (the median counts)',
      },
      {
        name: 'max-seconds',
        type: 'number',
        valueName: 'S',
        min: 0,
        description:
          'stop warming up, and stop timing, once that phase has taken S seconds (at least one timed forward runs); the report gives the counts done',
      },
      {
        name: 'seed',
        type: 'integer',
        min: 0,
        max: 0xffffffff,
        default: 0,
        description: 'seed of the random token ids (and of the random weights with --config)',
      },
      { name: 'quiet', type: 'boolean', description: 'no progress lines on stderr' },
    ],
    details: [
      `FLOPs per forward: ${FLOPS_FORMULA}.`,
      "Matmul probe: 256³, 512³, 1024³ and the model's q_proj, gate and down shapes on the same backend; best counts.",
      '',
      'Example: meerkat-lm bench --config m30 --batch 8 --seq 128 --backend tfjs:wasm --json',
    ],
  },
  run: bench,
};
