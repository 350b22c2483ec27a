// `@meerkat/lm/testing`: helpers for tests of @meerkat/lm and of the packages built on it: the
// shared pretrained models and their golden files, tiny model directories made in memory, a fake
// Hugging Face Hub on 127.0.0.1, and npm-style bin links. Node only; no test framework: each
// helper returns values and the caller's test asserts on them.
export {
  argmaxPerRow,
  GOLDEN,
  type Golden,
  type GoldenAgreement,
  type GoldenCase,
  type GoldenForward,
  type GoldenGreedy,
  goldenAgreement,
  goldenForward,
  goldenGreedy,
  readGolden,
} from './golden.js';
export {
  type Fault,
  gitBlobSha1,
  type HubServer,
  type HubServerFile,
  type HubServerRepo,
  type SeenRequest,
  sendBytes,
  sha256Hex,
  startHubServer,
} from './hub-server.js';
export { linkBins, packageBins } from './link-bins.js';
export { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './model-dir.js';
export {
  modelsRequired,
  SHARED_MODELS_DIR,
  type SharedModel,
  type SharedModelName,
  sharedModel,
} from './shared-models.js';
export { tinyModelFiles, tinyVocab } from './tiny-model-files.js';
