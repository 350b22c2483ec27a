import type * as tfc from '@tensorflow/tfjs-core';

/**
 * The part of tfjs-wasm's `BackendWasm` that this package's own wasm kernels use: tensors live
 * on the WebAssembly heap, and a kernel may read and write them through typed-array views.
 * Take views only after every `makeOutput` of the kernel: an allocation may grow the heap,
 * which detaches earlier views.
 */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
  typedArrayFromHeap(info: tfc.TensorInfo): Float32Array;
}

/** The kernel's backend seen as a `WasmHeapBackend` (the kernels are registered for 'wasm' only). */
export function wasmHeap(backend: unknown): WasmHeapBackend {
  return backend as WasmHeapBackend;
}
