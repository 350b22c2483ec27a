// ZO steps on ONNX Runtime beside one forward, and beside the PyTorch peer's MeZO step, in the
// same run: for each model, one forward (causal-LM loss, batch × seq tokens), a masked ZO step
// (k = 0.1% of d, TrainableView + ZoOptimizer: +εz, forward, −2εz, forward, fused restore and
// update) and a full-parameter ZO step (k = d, directions from a worker-thread pool), then
// ../shared/bench/peer_torch.py on the same shape (MeZO's full-parameter step ÷ its forward).
//
// Run: npm run bench:zo -w @meerkat/backend-onnxruntime
//      (node bench/zo-step.mjs [--models stories15M,m30,smollm-135m] [--batch 8] [--seq 128]
//       [--reps 5] [--no-full] [--no-peer])
// Needs dist/ of the workspace packages: npx turbo run build. Run it alone: on 2 cores anything
// else running changes the numbers.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { causalLmLoss, LlamaModel, parameterSpecs, presetConfig, TrainableView } from '@meerkat/lm';
import { deriveSeed, ZoOptimizer } from '@meerkat/zo-estimator';
import { createDirectionPool } from '@meerkat/zo-estimator/node';
import { createOrtBackend } from '../dist/index.js';

const { values: opts } = parseArgs({
  options: {
    models: { type: 'string', default: 'stories15M,m30,smollm-135m' },
    batch: { type: 'string', default: '8' },
    seq: { type: 'string', default: '128' },
    'no-full': { type: 'boolean', default: false },
    'no-peer': { type: 'boolean', default: false },
    reps: { type: 'string', default: '5' },
  },
});
/** Timed repetitions (medians are quoted): forwards vary by ±15% run to run on 2 cores. */
const REPS = Number(opts.reps);
const B = Number(opts.batch);
const S = Number(opts.seq);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const PEER = resolve(repoRoot, '../shared/bench/peer_torch.py');
const PEER_SHAPE = { stories15M: null, m30: 'm30', 'smollm-135m': 'smollm135', m10: 'm10' };

/** Seeded N(0, 0.02²)-ish weights (ones for norms): speed does not depend on the values. */
function randomModel(config, backend) {
  const weights = new Map();
  let x = 12345;
  for (const s of parameterSpecs(config)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    if (s.shape.length === 1) a.fill(1);
    else
      for (let i = 0; i < n; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        a[i] = (x / 2 ** 32 - 0.5) * 0.04;
      }
    weights.set(s.name, a);
  }
  return LlamaModel.fromWeights(config, weights, backend);
}

function loadModel(name, backend) {
  if (name === 'stories15M') {
    const dir = resolve(repoRoot, '../shared/models/stories15M');
    if (!existsSync(dir)) return null;
    return LlamaModel.load(dir, backend);
  }
  return randomModel(presetConfig(name), backend);
}

/** k distinct indices of [0, d), seeded (a random 0.1% mask). */
function randomIndices(k, d) {
  const chosen = new Set();
  let x = 99;
  while (chosen.size < k) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    chosen.add(Math.floor((x / 2 ** 32) * d));
  }
  return Uint32Array.from([...chosen].sort((a, b) => a - b));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Times ZO steps over `indices` interleaved with plain forwards (one forward, one step, …), so
 * that drift of the machine's speed hits both alike. Returns the medians in seconds.
 */
async function zoStepAndForward(model, indices, pool, ids, reps) {
  const view = await TrainableView.create(model, indices);
  const theta = view.read();
  const optimizer = new ZoOptimizer(theta, {
    lr: 1e-7,
    eps: 1e-3,
    ...(pool === null ? {} : { directionPool: pool }),
  });
  const forward = async () => (await causalLmLoss(model, ids, [B, S])).mean;
  const objective = async (t) => {
    view.write(t);
    return forward();
  };
  let step = 0;
  const once = async (fn) => {
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
  };
  const stepOnce = () => optimizer.step(objective, deriveSeed(1n, 0, 'bench', step++));
  await once(forward);
  await once(stepOnce); // warm-up
  const forwards = [];
  const steps = [];
  for (let r = 0; r < reps; r++) {
    forwards.push(await once(forward));
    steps.push(await once(stepOnce));
  }
  view.write(optimizer.theta);
  return { forward: median(forwards), step: median(steps) };
}

async function runPeer(shape) {
  if (opts['no-peer'] || shape === null || !existsSync(PEER)) return null;
  const r = spawnSync('/usr/bin/python3', [PEER, shape, String(B), String(S)], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(`bench: peer ${shape} failed: ${r.stderr.slice(-500)}`);
    return null;
  }
  const peer = JSON.parse(r.stdout.trim().split('\n').at(-1));
  // Debian's PyTorch on reference BLAS runs ≈3 GFLOP/s (OpenBLAS: 50–125): no ratio to that.
  if (peer.params >= 5e6 && peer.forward_gflops < 15) {
    console.error(
      `bench: the peer ran at ${peer.forward_gflops.toFixed(1)} GFLOP/s, on reference BLAS (apt-get install -y libopenblas0-pthread); no ratio to it is quoted`,
    );
    return null;
  }
  return peer;
}

const fmt = (n, d = 2) => (n === null || n === undefined ? '–' : n.toFixed(d));
console.error(
  `bench: load average at start ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const rows = [];
const pool = opts['no-full'] ? null : createDirectionPool();
for (const name of opts.models.split(',')) {
  const backend = await createOrtBackend({ engine: 'cpu' });
  const model = loadModel(name, backend);
  if (model === null) {
    console.error(`bench: ${name} not found beside the repository; skipped`);
    continue;
  }
  const d = model.specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const ids = new Uint32Array(B * S).map((_, i) => (i * 7919 + 13) % model.config.vocabSize);
  console.error(`bench: ${name} (d = ${d.toLocaleString('en-US')}): masked steps and forwards`);
  const k = Math.round(d * 1e-3);
  const maskedRun = await zoStepAndForward(model, randomIndices(k, d), null, ids, REPS);
  const forward = maskedRun.forward;
  const masked = maskedRun.step;
  let full = null;
  let fullForward = null;
  if (pool !== null) {
    console.error(`bench: ${name} full-parameter steps and forwards`);
    const all = Uint32Array.from({ length: d }, (_, i) => i);
    const fullRun = await zoStepAndForward(model, all, pool, ids, Math.max(2, Math.ceil(REPS / 2)));
    full = fullRun.step;
    fullForward = fullRun.forward;
  }
  model.dispose();
  await backend.close();
  console.error(`bench: ${name} peer`);
  const peer = await runPeer(PEER_SHAPE[name] ?? null);
  rows.push({ name, d, k, forward, masked, full, fullForward, peer });
  console.error(
    `bench: ${name}: forward ${fmt(forward, 3)} s, masked step ${fmt(masked, 3)} s, full step ${fmt(full, 3)} s`,
  );
}
await pool?.close();

const lines = [
  `### ZO steps on ort:cpu, batch ${B} × ${S} tokens (causal-LM loss), beside the PyTorch peer`,
  '',
  '| model | d | forward s | masked step s (k = 0.1% d) | masked ÷ forward | full step s (k = d) | full ÷ forward | peer forward s | peer MeZO step s | peer MeZO ÷ forward | full step ÷ peer MeZO step |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const r of rows) {
  const peerForward = r.peer === null ? null : (B * S) / r.peer.tokens_per_s;
  lines.push(
    `| ${r.name} | ${r.d.toLocaleString('en-US')} | ${fmt(r.forward, 3)} | ${fmt(r.masked, 3)} | ${fmt(r.masked / r.forward)} | ${fmt(r.full, 3)} | ${r.full === null ? '–' : fmt(r.full / r.fullForward)} | ${fmt(peerForward, 3)} | ${fmt(r.peer?.mezo_full_zo_step_s, 3)} | ${fmt(r.peer?.zo_step_over_forward)} | ${r.full === null || r.peer === null ? '–' : fmt(r.full / r.peer.mezo_full_zo_step_s)} |`,
  );
}
lines.push(
  '',
  `Load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}.`,
);
console.log(lines.join('\n'));
console.log(JSON.stringify({ batch: B, seq: S, rows }));
