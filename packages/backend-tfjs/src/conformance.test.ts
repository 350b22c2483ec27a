import { runConformanceSuite } from '@meerkat/tensor';
import { describe, it } from 'vitest';
import { createTfjsBackend } from './select.js';

// TODO(gradients): tfjs-core's npm bundles ship no gradient functions (only the ESM sources
// register them); until this package registers its own, the two gradient cases are skipped.
const skip = (c: { op: string }) => c.op === 'valueAndGradients';

runConformanceSuite(
  () => createTfjsBackend('cpu'),
  { describe, it },
  { skip },
  'tfjs:cpu conformance',
);
runConformanceSuite(
  () => createTfjsBackend('wasm'),
  { describe, it },
  { skip },
  'tfjs:wasm conformance',
);
