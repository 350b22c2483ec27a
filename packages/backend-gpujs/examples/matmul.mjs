// Creates a gpu.js backend (webasm in Node), multiplies a batch of activations by a Linear
// weight stored [out, in] (HF layout), applies SwiGLU, and shows that intermediates stay where
// the mode keeps tensors until download(). Run after building:
//   npx turbo run build --filter=@meerkat/backend-gpujs && node examples/matmul.mjs
import { createGpujsBackend } from '@meerkat/backend-gpujs';

const backend = await createGpujsBackend({ mode: 'webasm' });
console.log(`backend: ${backend.name} (device ${backend.capabilities.device})`);

const x = backend.upload(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
const w = backend.upload(Float32Array.of(1, 0, 1, 0, 1, 1), [2, 3]); // Linear weight [out, in]
const y = backend.scope(() => {
  const gate = backend.matmul(x, w, { transposeB: true }); // [[4, 5], [10, 11]]
  return backend.swiglu(gate, gate); // silu(g) · g, computed without any readback
});
console.log('swiglu(x·wᵀ, x·wᵀ) =', Array.from(await backend.download(y)));

// A sparse in-place write of two weight entries (only the indices and values move).
backend.scatterUpdate(w, Uint32Array.of(0, 5), Float32Array.of(2, -1));
console.log('w after scatterUpdate =', Array.from(await backend.download(w)));
backend.dispose([x, w, y]);
console.log('live tensors after dispose:', backend.memory());
