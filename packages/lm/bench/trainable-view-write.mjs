// The cost of writing a sparse mask's values into a model (TrainableView.write: one
// scatterUpdate per touched weight tensor), next to one forward of the same model. A Meerkat ZO
// step writes three times (θ+εz, θ−εz, then the update) per two forwards, so this ratio bounds
// what sparse training adds on top of inference.
//
// Run: node bench/trainable-view-write.mjs [--models m30,smollm-135m] [--densities 1e-3,1e-2]
//        [--backend tfjs:wasm] [--no-forward] [--json]
// (build first: npx turbo run build --filter=@meerkat/lm --filter=@meerkat/backend-tfjs)
// Prints one JSON line per (model, density) with --json, else a Markdown table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBackend } from '@meerkat/tensor';
import {
  causalLmLoss,
  LlamaModel,
  parameterCount,
  presetConfig,
  randomWord,
  TrainableView,
  writeRandomCheckpoint,
} from '../dist/index.js';

const { values: opts } = parseArgs({
  options: {
    models: { type: 'string', default: 'm30,smollm-135m' },
    densities: { type: 'string', default: '1e-3,1e-2' },
    backend: { type: 'string', default: 'tfjs:wasm' },
    batch: { type: 'string', default: '8' },
    seq: { type: 'string', default: '128' },
    writes: { type: 'string', default: '7' },
    'no-forward': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const batch = Number(opts.batch);
const seq = Number(opts.seq);
const writes = Number(opts.writes);

/** k distinct flat indices in [0, total < 2³²), sorted, from a seeded counter-based stream. */
function randomMask(total, k, seed) {
  const picked = new Set();
  for (let n = 0; picked.size < k; n++) picked.add(randomWord(seed, 'mask', n) % total);
  return Uint32Array.from(picked).sort();
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const backend = await createBackend(opts.backend);
const rows = [];
for (const name of opts.models.split(',')) {
  const config = presetConfig(name);
  const dir = mkdtempSync(join(tmpdir(), 'meerkat-view-bench-'));
  let model;
  try {
    writeRandomCheckpoint(dir, config, { seed: 1 });
    model = LlamaModel.load(dir, backend);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const total = parameterCount(config);
  let forwardS = null;
  if (!opts['no-forward']) {
    const ids = new Uint32Array(batch * seq).map(
      (_, i) => randomWord(0, 'ids', i) % config.vocabSize,
    );
    await causalLmLoss(model, ids, [batch, seq]); // warm-up
    const t = performance.now();
    await causalLmLoss(model, ids, [batch, seq]);
    forwardS = (performance.now() - t) / 1000;
  }
  for (const density of opts.densities.split(',').map(Number)) {
    const k = Math.max(1, Math.round(density * total));
    const view = await TrainableView.create(model, randomMask(total, k, 5));
    const original = view.read();
    const shifted = original.map((v) => v + 1e-3);
    view.write(shifted); // warm-up (first scatter kernels)
    const times = [];
    for (let i = 0; i < writes; i++) {
      const t = performance.now();
      view.write(i % 2 === 0 ? original : shifted);
      times.push((performance.now() - t) / 1000);
    }
    view.write(original);
    const row = {
      bench: 'trainable-view-write',
      model: name,
      backend: backend.name,
      params: total,
      density,
      k,
      tensors_touched: view.tensorNames.length,
      write_s: median(times),
      write_s_min: Math.min(...times),
      forward_s: forwardS,
      batch,
      seq,
      write_over_forward: forwardS === null ? null : median(times) / forwardS,
    };
    rows.push(row);
    if (opts.json) console.log(JSON.stringify(row));
    else
      console.error(
        `trainable-view-write: ${name} density ${density} (k=${k}): write ${(row.write_s * 1000).toFixed(2)} ms`,
      );
  }
  model.dispose();
}
if (!opts.json) {
  console.log(
    '| model | engine | density | k | tensors touched | write ms | forward s | write ÷ forward |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.model} | ${r.backend} | ${r.density} | ${r.k.toLocaleString('en-US')} | ${r.tensors_touched} | ${(r.write_s * 1000).toFixed(2)} | ${r.forward_s === null ? '–' : r.forward_s.toFixed(3)} | ${r.write_over_forward === null ? '–' : r.write_over_forward.toExponential(2)} |`,
    );
}
