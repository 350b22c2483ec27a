// Runs the shared @meerkat/tensor conformance suite on 'gpujs:auto' (webasm in Node unless a
// GPU mode works here) and prints which mode was chosen, why better ones were skipped, and the
// outcome. Run after building: npx turbo run build --filter=@meerkat/backend-gpujs
import { registerGpujsBackends } from '@meerkat/backend-gpujs';
import { createBackend } from '@meerkat/tensor';
import { checkBackend } from '@meerkat/tensor/conformance';

registerGpujsBackends();
const backend = await createBackend('gpujs:auto');
console.log(backend.selection.summary);
const report = await checkBackend(backend);
console.log(
  `${report.backend}: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`,
);
for (const o of report.outcomes)
  if (o.status !== 'passed') console.log(`  ${o.status}: ${o.name}: ${o.message}`);
if (report.failed > 0) process.exitCode = 1;
