// `@meerkat/tensor/conformance`: the shared conformance suite every backend runs, and the seeded
// input generator it uses. Test-only code, kept off the main entry's path.
export type { CaseContext, ConformanceCase, Input } from './case.js';
export { ConformanceFailure, type Tolerance } from './compare.js';
export { SeededRandom } from './random.js';
export {
  type CaseOutcome,
  type ConformanceOptions,
  type ConformanceReport,
  checkBackend,
  conformanceCases,
  runCase,
  runConformanceSuite,
  type TestApi,
} from './suite.js';
