// Runs the shared @meerkat/tensor conformance suite on 'tfjs:auto' and prints the outcome.
// Run after building: (cd ../tensor && npm run build) && npm run build && node examples/conformance.mjs

import { registerTfjsBackends } from '@meerkat/backend-tfjs';
import { createBackend } from '@meerkat/tensor';
import { checkBackend } from '@meerkat/tensor/conformance';

registerTfjsBackends();
const backend = await createBackend('tfjs:auto');
console.log(backend.selection.summary);
const report = await checkBackend(backend);
console.log(
  `${report.backend}: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`,
);
for (const o of report.outcomes)
  if (o.status !== 'passed') console.log(`  ${o.status}: ${o.name}: ${o.message}`);
