// Zeroth-order fine-tuning of a real model on ONNX Runtime: stories260K (from ../shared/models
// beside the repository) learns a sentence with masked ZO-SGD. Each forward is one ONNX Runtime
// session traced from @meerkat/lm's own decoder; ZO perturbations write the masked weights in
// place, and every forward after the first reuses the same session. Prints the loss falling.
// Run after building: npx turbo run build && node examples/zo-on-stories.mjs
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { causalLmLoss, LlamaModel, loadTokenizer, TrainableView } from '@meerkat/lm';
import { deriveSeed, ZoOptimizer } from '@meerkat/zo-estimator';
import { createOrtBackend } from '../dist/index.js';

const dir = fileURLToPath(new URL('../../../../shared/models/stories260K', import.meta.url));
if (!existsSync(dir)) {
  console.log(`stories260K not found at ${dir}; nothing to show`);
  process.exit(0);
}
const backend = await createOrtBackend({ engine: 'cpu' });
console.log(backend.selection.summary.split(';')[0]);
const model = LlamaModel.load(dir, backend);
const text = 'Once upon a time, there was a little cat named Tom. Tom liked to play.';
const ids = Uint32Array.from(loadTokenizer(dir).encode(text));
const loss = async () => (await causalLmLoss(model, ids, [1, ids.length])).mean;

// A random 1% mask of the parameters (seeded), trained with two-point ZO-SGD.
const d = model.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
const picked = new Set();
for (let x = 7; picked.size < Math.round(d / 100); ) {
  x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
  picked.add(x % d);
}
const view = await TrainableView.create(model, Uint32Array.from(picked));
const optimizer = new ZoOptimizer(view.read(), { lr: 2e-3, eps: 1e-3 });
const objective = async (theta) => {
  view.write(theta);
  return loss();
};
const first = await loss();
for (let step = 0; step < 60; step++) {
  const { loss: l } = await optimizer.step(objective, deriveSeed(42n, 0, 'example', step));
  if (step % 15 === 0) console.log(`step ${String(step).padStart(2)}: loss ${l.toFixed(4)}`);
}
view.write(optimizer.theta);
const last = await loss();
console.log(
  `loss ${first.toFixed(4)} → ${last.toFixed(4)} after 60 ZO steps (k = ${view.size} of d = ${d})`,
);
const stats = backend.stats();
console.log(
  `${stats.runs} forwards on ${stats.sessions} ONNX Runtime session(s), built in ${stats.buildMs.toFixed(0)} ms`,
);
if (!(last < first)) throw new Error('the loss did not fall');
model.dispose();
await backend.close();
