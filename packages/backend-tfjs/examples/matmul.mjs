// Creates 'tfjs:auto' through the @meerkat/tensor registry, says which engine it chose (and why
// the better ones were skipped), and multiplies two small matrices.
// Run after building: (cd ../tensor && npm run build) && npm run build && node examples/matmul.mjs

import { registerTfjsBackends } from '@meerkat/backend-tfjs';
import { createBackend } from '@meerkat/tensor';

registerTfjsBackends();
const backend = await createBackend('tfjs:auto');
console.log(`backend: ${backend.name} (device ${backend.capabilities.device})`);
console.log(backend.selection.summary);

const a = backend.upload(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
const w = backend.upload(Float32Array.of(1, 0, 1, 0, 1, 1), [2, 3]); // Linear weight [out, in]
const y = backend.matmul(a, w, { transposeB: true });
console.log('a · wᵀ =', Array.from(await backend.download(y))); // [4, 5, 10, 11]
backend.dispose([a, w, y]);
console.log('live tensors after dispose:', backend.memory());
