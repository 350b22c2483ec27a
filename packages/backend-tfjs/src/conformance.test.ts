import { runConformanceSuite } from '@meerkat/tensor/conformance';
import { describe, it } from 'vitest';
import { createTfjsBackend } from './select.js';

// Every case, gradients included; nothing skipped, default tolerances.
runConformanceSuite(() => createTfjsBackend('cpu'), { describe, it }, {}, 'tfjs:cpu conformance');
runConformanceSuite(() => createTfjsBackend('wasm'), { describe, it }, {}, 'tfjs:wasm conformance');
