import { BackendTensor } from '@meerkat/tensor';
import type { Source } from './trace.js';

/**
 * A Meerkat tensor handle on an ONNX Runtime backend. Its `storage` is a `Leaf` (values on the
 * host: uploaded, filled, or computed and downloaded) or an `OpNode` (recorded, computed when a
 * result that needs it is downloaded); null once disposed. Its lifetime is `OrtBackend`'s,
 * through @meerkat/tensor's `TensorLifetime`.
 */
export class OrtTensor extends BackendTensor<Source> {}
