// Create the reference backend through the registry, run RMSNorm then a Linear layer
// (HF weight layout [out, in], so transposeB), print the result, and show nothing leaked.
// Run: npm run build && node examples/reference-backend.mjs
import { createBackend, registeredBackends } from '../dist/index.js';

console.log(`registered backends: ${registeredBackends().join(', ')}`);
const backend = await createBackend('reference:cpu');
console.log(
  `using ${backend.name} (${backend.capabilities.device}, gradients: ${backend.capabilities.gradients})`,
);

// x: [batch 1, seq 2, hidden 4]; norm weight [4]; Linear weight [out 3, in 4]
const x = backend.upload(Float32Array.of(1, 2, 3, 4, -1, 0, 1, 0), [1, 2, 4]);
const normWeight = backend.upload(Float32Array.of(1, 1, 0.5, 0.5), [4]);
const linear = backend.upload(Float32Array.of(1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1), [3, 4]);

const y = backend.scope(() => {
  const h = backend.rmsNorm(x, normWeight, 1e-6); // intermediate: disposed when the scope ends
  return backend.matmul(h, linear, { transposeB: true }); // returned: kept
});
const values = await backend.download(y);
console.log(`y shape [${y.shape.join(', ')}]:`);
for (let row = 0; row < 2; row++) {
  console.log(
    `  [${Array.from(values.subarray(row * 3, row * 3 + 3), (v) => v.toFixed(5)).join(', ')}]`,
  );
}

// Check against the hand-computed answer for row 0: x / rms(x), rms = sqrt(30 / 4).
const rms = Math.sqrt(30 / 4 + 1e-6);
const expected = [1 / rms, 2 / rms, (1 + 2 + 1.5 + 2) / rms];
const ok = expected.every((e, i) => Math.abs(values[i] - e) < 1e-6);
console.log(`row 0 matches the hand computation: ${ok}`);

backend.dispose([x, normWeight, linear, y]);
console.log(`live tensors after dispose: ${backend.memory().tensors}`);
if (!ok || backend.memory().tensors !== 0) process.exit(1);
