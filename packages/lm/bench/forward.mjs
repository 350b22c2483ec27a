// Issue 3's forward benchmark: for each engine present, `meerkat-lm bench` on stories260K (the
// real model) and random m10, m30 and SmolLM-135M checkpoints at batch 8 × 128 tokens, each in
// its own process under /usr/bin/time -v (peak RSS), beside the PyTorch-CPU peer
// (../shared/bench/peer_torch.py) on the same shapes in the same run; then the TrainableView
// write cost (bench/trainable-view-write.mjs). Prints Markdown tables and a JSON line.
//
// Run: npm run bench -w @meerkat/lm   (or: node bench/forward.mjs [--quick] [--engines a,b]
//        [--models stories260K,m10] [--no-peer] [--no-view] [--batch 8] [--seq 128])
// --quick: stories260K and m10 only, a 20 s per-forward cap (smoke run, a few minutes).
// Needs dist/ of @meerkat/lm and of the backend packages: npx turbo run build.
// Numbers are noisy when other work shares the machine; compare ratios within one run.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBackend, probeBackends } from '@meerkat/tensor';
import { parameterCount, presetConfig } from '../dist/index.js';
import { timeChild } from './time-child.mjs';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    engines: { type: 'string' },
    models: { type: 'string' },
    batch: { type: 'string', default: '8' },
    seq: { type: 'string', default: '128' },
    'no-peer': { type: 'boolean', default: false },
    'no-view': { type: 'boolean', default: false },
  },
});

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const lmDir = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const STORIES = resolve(repoRoot, '../shared/models/stories260K');
const PEER = resolve(repoRoot, '../shared/bench/peer_torch.py');
const PYTHON = '/usr/bin/python3';
const BATCH = Number(opts.batch);
const SEQ = Number(opts.seq);

/** Model → the peer's shape name and how many forwards to time (bigger models: fewer). */
const MODELS = {
  stories260K: { peer: 'tiny260k', warmup: 2, reps: 5 },
  m10: { peer: 'm10', warmup: 1, reps: 3 },
  m30: { peer: 'm30', warmup: 1, reps: 2 },
  'smollm-135m': { peer: 'smollm135', warmup: 1, reps: 1 },
};
/** Which models each engine family runs (slow engines only the small ones); --quick: fewer. */
const ENGINE_MODELS = opts.quick
  ? {
      'ort:cpu': ['stories260K', 'm10'],
      'tfjs:wasm': ['stories260K', 'm10'],
      'tfjs:cpu': ['stories260K'],
      'reference:cpu': ['stories260K'],
      gpujs: ['stories260K'],
    }
  : {
      'ort:cpu': ['stories260K', 'm10', 'm30', 'smollm-135m'],
      'tfjs:wasm': ['stories260K', 'm10', 'm30', 'smollm-135m'],
      'tfjs:cpu': ['stories260K', 'm10'],
      'reference:cpu': ['stories260K'],
      gpujs: ['stories260K', 'm10', 'm30'],
    };
/** Skip a run whose forward would take longer than this even at the engine's full matmul speed. */
const CAP_S = opts.quick ? 20 : 60;
/** Per run, warm-ups and timed forwards each stop after this many seconds (meerkat-lm bench --max-seconds). */
const PHASE_S = opts.quick ? 8 : 40;

const wantedModels = (
  opts.models ?? (opts.quick ? 'stories260K,m10' : Object.keys(MODELS).join(','))
).split(',');

if (!existsSync(CLI)) {
  console.error(`${CLI} is missing; build first: npx turbo run build --filter=@meerkat/lm`);
  process.exit(1);
}

// Engines present: ask the registry (this also discovers @meerkat/backend-tfjs / -gpujs /
// -onnxruntime).
for (const family of ['ort', 'tfjs', 'gpujs']) {
  try {
    await createBackend(`${family}:auto`);
  } catch (e) {
    console.error(`bench: no ${family} engine: ${e.message.split('\n')[0]}`);
  }
}
const availability = await probeBackends();
const present = availability.filter((a) => a.available).map((a) => a.name);
const engines = (opts.engines?.split(',') ?? present).filter((name) => {
  const known = ENGINE_MODELS[name] ?? ENGINE_MODELS[name.split(':')[0]];
  if (!present.includes(name)) {
    const why = availability.find((a) => a.name === name);
    console.error(`bench: skipping ${name}: ${why?.reason ?? 'not registered'}`);
    return false;
  }
  if (known === undefined && opts.engines === undefined) return false;
  return true;
});
console.error(
  `bench: engines ${engines.join(', ')}; models ${wantedModels.join(', ')}; ${BATCH}×${SEQ}`,
);
for (const a of availability.filter((x) => !x.available))
  console.error(`bench: absent ${a.name}: ${a.reason.split('\n')[0].slice(0, 160)}`);

function progress(line) {
  if (line.startsWith('meerkat-lm') || line.startsWith('trainable-view'))
    console.error(`  ${line}`);
}

/** `meerkat-lm bench` for one (engine, model) under /usr/bin/time -v. */
async function runMeerkat(engine, model) {
  const source =
    model === 'stories260K' && existsSync(STORIES) ? ['--model', STORIES] : ['--config', model];
  const { warmup, reps } = MODELS[model];
  const args = [
    process.execPath,
    CLI,
    'bench',
    ...source,
    '--batch',
    String(BATCH),
    '--seq',
    String(SEQ),
    '--backend',
    engine,
    '--warmup',
    String(warmup),
    '--reps',
    String(reps),
    '--max-seconds',
    String(PHASE_S),
    '--json',
  ];
  console.error(`bench: ${engine} ${model}`);
  const r = await timeChild(args, { cwd: repoRoot, onStderrLine: progress });
  if (r.code !== 0) {
    console.error(`bench: ${engine} ${model} failed (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
    return null;
  }
  return { ...JSON.parse(r.stdout), time_v_max_rss_bytes: r.maxRssBytes };
}

/** The PyTorch-CPU peer on the same shape, also under /usr/bin/time -v. */
async function runPeer(model) {
  if (opts['no-peer'] || !existsSync(PEER) || !existsSync(PYTHON)) return null;
  console.error(`bench: peer_torch.py ${MODELS[model].peer}`);
  const r = await timeChild([PYTHON, PEER, MODELS[model].peer, String(BATCH), String(SEQ)], {
    cwd: repoRoot,
  });
  if (r.code !== 0) {
    console.error(`bench: peer ${model} failed (exit ${r.code}): ${r.stderr.slice(-800)}`);
    return null;
  }
  const line = r.stdout.trim().split('\n').at(-1);
  const peer = { ...JSON.parse(line), time_v_max_rss_bytes: r.maxRssBytes };
  if (!peerUsesFastBlas(peer)) {
    console.error(
      `bench: the peer ran at ${peer.forward_gflops.toFixed(1)} GFLOP/s: PyTorch is on reference BLAS (apt-get install -y libopenblas0-pthread); no ratio to it is quoted`,
    );
  }
  return peer;
}

/**
 * Whether the peer's forward ran on an optimised BLAS: Debian's PyTorch on reference BLAS does
 * ≈3 GFLOP/s, on OpenBLAS 50–125 here; a ratio to the slow one would flatter Meerkat. Judged on
 * models of at least 5M parameters (stories260K is per-op overhead, not BLAS, at ≈10 GFLOP/s).
 */
function peerUsesFastBlas(peer) {
  return peer.params < 5e6 || peer.forward_gflops >= 15;
}

const MiB = 1024 * 1024;
const fmt = (n, d = 0) =>
  n === null || n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const results = [];
const peers = {};
for (const model of wantedModels) {
  if (MODELS[model] === undefined) {
    console.error(`bench: unknown model ${model}; models: ${Object.keys(MODELS).join(', ')}`);
    continue;
  }
  peers[model] = await runPeer(model);
  for (const engine of engines) {
    const allowed =
      ENGINE_MODELS[engine] ?? ENGINE_MODELS[engine.split(':')[0]] ?? Object.keys(MODELS);
    if (!allowed.includes(model)) continue;
    // Predict from this engine's matmul rate in an earlier run of this bench (optimistic bound).
    const earlier = results.find((r) => r.backend === engine);
    if (earlier !== undefined) {
      const flops = 2 * parameterCount(presetConfig(model)) * BATCH * SEQ;
      const predicted = flops / (earlier.matmul_gflops * 1e9);
      if (predicted > CAP_S) {
        console.error(
          `bench: skipping ${engine} ${model}: ≥${predicted.toFixed(0)} s per forward even at its matmul rate (${earlier.matmul_gflops.toFixed(2)} GFLOP/s; cap ${CAP_S} s)`,
        );
        continue;
      }
    }
    const r = await runMeerkat(engine, model);
    if (r !== null) results.push({ ...r, model_name: model });
  }
}

// ── forward table ─────────────────────────────────────────────────────────────────────────────
const lines = [];
lines.push(
  `### Forward, batch ${BATCH} × ${SEQ} tokens (logits at every position + causal-LM loss, as peer_torch.py)`,
  '',
  '| model | engine | params | tokens/s | GFLOP/s | % of engine matmul (GFLOP/s) | peer tokens/s | ratio to peer | peak RSS MiB | weights + activations MiB | RSS ratio | (RSS − start) ratio |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
);
for (const r of results) {
  const measured = peers[r.model_name];
  const peer = measured && peerUsesFastBlas(measured) ? measured : null;
  const rss = r.time_v_max_rss_bytes ?? r.max_rss_bytes;
  const need = r.weights_bytes + r.activation_bytes;
  lines.push(
    `| ${r.model_name} | ${r.backend} | ${fmt(r.params)} | ${fmt(r.tokens_per_s)} | ${fmt(r.gflops, 2)} | ${fmt(100 * r.matmul_fraction, 1)}% (${fmt(r.matmul_gflops, 1)}) | ${peer ? fmt(peer.tokens_per_s) : '–'} | ${peer ? fmt(r.tokens_per_s / peer.tokens_per_s, 3) : '–'} | ${fmt(rss / MiB)} | ${fmt(need / MiB)} | ${fmt(rss / need, 2)} | ${fmt((rss - r.rss_start_bytes) / need, 2)} |`,
  );
}
lines.push(
  '',
  'GFLOP/s count the forward as 2·(matmul params)·tokens + causal attention (see `meerkat-lm bench --help`); the peer counts 2·params·tokens (within 1–4% of it here).',
  "Activations: the peak working set of one forward plus the loss (LlamaModel.forward frees each layer's temporaries after the layer). Start = RSS after the backend was created, before the weights.",
);
const peerRows = Object.entries(peers).filter(([, p]) => p !== null);
if (peerRows.length > 0) {
  lines.push(
    '',
    '| peer (PyTorch CPU) | threads | tokens/s | GFLOP/s (2·N·T) | MeZO step ÷ forward | peak RSS MiB |',
    '|---|---|---|---|---|---|',
  );
  for (const [model, p] of peerRows)
    lines.push(
      `| ${model} (${p.shape}, torch ${p.torch}) | ${p.threads} | ${fmt(p.tokens_per_s)} | ${fmt(p.forward_gflops, 1)} | ${fmt(p.zo_step_over_forward, 2)} | ${fmt(p.time_v_max_rss_bytes / MiB)} |`,
    );
}

// ── TrainableView write cost ──────────────────────────────────────────────────────────────────
const view = [];
if (!opts['no-view'] && engines.includes('tfjs:wasm')) {
  const viewModels = opts.quick ? ['m10'] : ['m30', 'smollm-135m'];
  const r = await timeChild(
    [
      process.execPath,
      fileURLToPath(new URL('./trainable-view-write.mjs', import.meta.url)),
      '--models',
      viewModels.join(','),
      '--backend',
      'tfjs:wasm',
      '--no-forward',
      '--json',
    ],
    { cwd: lmDir, onStderrLine: progress },
  );
  if (r.code === 0) {
    for (const line of r.stdout.trim().split('\n')) view.push(JSON.parse(line));
  } else
    console.error(`bench: trainable-view-write failed (exit ${r.code}): ${r.stderr.slice(-1500)}`);
  lines.push(
    '',
    `### TrainableView.write (tfjs:wasm) next to one forward (${BATCH} × ${SEQ}, from the table above)`,
    '',
    '| model | mask density | k | tensors touched | write ms | forward s | write ÷ forward |',
    '|---|---|---|---|---|---|---|',
  );
  for (const v of view) {
    const fwd = results.find((x) => x.model_name === v.model && x.backend === 'tfjs:wasm');
    v.forward_s = fwd?.forward_s ?? null;
    v.write_over_forward = fwd ? v.write_s / fwd.forward_s : null;
    lines.push(
      `| ${v.model} | ${v.density} | ${fmt(v.k)} | ${v.tensors_touched} | ${fmt(v.write_s * 1000, 2)} | ${v.forward_s === null ? '– (not in the forward table)' : fmt(v.forward_s, 3)} | ${v.write_over_forward === null ? '–' : v.write_over_forward.toExponential(2)} |`,
    );
  }
}

console.log(lines.join('\n'));
console.log(
  `\n${JSON.stringify({ bench: 'lm/forward', batch: BATCH, seq: SEQ, results, peers, trainable_view_write: view })}`,
);
