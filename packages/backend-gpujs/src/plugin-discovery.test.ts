import { createBackend } from '@meerkat/tensor';
import { expect, it } from 'vitest';

// Its own file: the registry tries a family's plugin once per process.
it("createBackend('gpujs:cpu') finds this package by convention (registerBackends)", async () => {
  const b = await createBackend('gpujs:cpu');
  expect(b.name).toBe('gpujs:cpu');
  const auto = await createBackend('gpujs:auto');
  expect(auto.name).toBe('gpujs:webasm');
});
