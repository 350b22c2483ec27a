import { runConformanceSuite } from '@meerkat/tensor/conformance';
import { describe, it } from 'vitest';
import { createOrtBackend } from './node-engines.js';

// Every case at default tolerances (u = 2^-24): each op recorded, then run as a cached session
// when downloaded. The gradient cases pass as not applicable (capabilities.gradients is false).
runConformanceSuite(
  () => createOrtBackend({ engine: 'cpu' }),
  { describe, it },
  {},
  'ort:cpu conformance',
);
