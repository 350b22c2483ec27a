import { type BackendFamily, errorReason } from '@meerkat/tensor';
import type * as tfc from '@tensorflow/tfjs-core';

/** The TensorFlow.js module (tfjs-core's API; tfjs-node re-exports the same API). */
export type Tf = typeof tfc;

/** The TensorFlow.js engines this package drives, best first. */
export type EngineVariant = 'node-gpu' | 'node' | 'wasm' | 'cpu';

/** `tfjs:auto` tries engines in this order. */
export const ENGINE_ORDER: readonly EngineVariant[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** The `tfjs:*` family, for @meerkat/tensor's selection and registration helpers. */
export const TFJS_FAMILY: BackendFamily<'engine', EngineVariant> = {
  family: 'tfjs',
  key: 'engine',
  noun: 'TensorFlow.js engine',
  order: ENGINE_ORDER,
};

/** A loaded engine: the tf module to call and the tfjs backend name to activate. */
export interface TfjsEngine {
  readonly variant: EngineVariant;
  readonly tf: Tf;
  /** tfjs's own backend name: 'tensorflow' (node, node-gpu), 'wasm', 'cpu'. */
  readonly tfBackend: string;
}

/**
 * Loads an engine, or throws an `Error` whose message says why it cannot run here. The real
 * one is `loadEngine`; tests may pass another (a seam to simulate installed or missing peers).
 */
export type EngineLoader = (variant: EngineVariant) => Promise<TfjsEngine>;

/** What to do when an optional native engine is missing. */
export const INSTALL_HINTS: Readonly<Record<'node-gpu' | 'node', string>> = {
  'node-gpu':
    'install @tensorflow/tfjs-node-gpu (needs CUDA 11 + libtensorflow download): npm install @tensorflow/tfjs-node-gpu@4.22.0 on a Linux x64 machine with CUDA 11.x and cuDNN 8',
  node: 'install @tensorflow/tfjs-node (needs libtensorflow download): npm install @tensorflow/tfjs-node@4.22.0',
};

const PACKAGES: Readonly<Record<'node-gpu' | 'node', string>> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

/** Imports an optional peer by a computed specifier, so bundlers and tsc leave it alone. */
async function importOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

async function activate(tf: Tf, tfBackend: string, variant: EngineVariant): Promise<void> {
  const ok = await tf.setBackend(tfBackend);
  if (!ok || tf.getBackend() !== tfBackend) {
    throw new Error(`tfjs:${variant}: tf.setBackend('${tfBackend}') failed`);
  }
  await tf.ready();
}

async function loadNative(variant: 'node-gpu' | 'node'): Promise<TfjsEngine> {
  let mod: unknown;
  try {
    mod = await importOptional(PACKAGES[variant]);
  } catch (error) {
    throw new Error(`${INSTALL_HINTS[variant]}. Import failed: ${errorReason(error)}`);
  }
  const tf = ((mod as { default?: unknown }).default ?? mod) as Tf;
  if (typeof tf.setBackend !== 'function' || typeof tf.tidy !== 'function') {
    throw new Error(`${PACKAGES[variant]} loaded but does not export the tfjs API`);
  }
  await activate(tf, 'tensorflow', variant);
  return { variant, tf, tfBackend: 'tensorflow' };
}

async function loadUncached(variant: EngineVariant): Promise<TfjsEngine> {
  if (variant === 'node-gpu' || variant === 'node') return loadNative(variant);
  const tf = (await import('@tensorflow/tfjs-core')) as Tf;
  if (variant === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else await import('@tensorflow/tfjs-backend-cpu');
  await activate(tf, variant, variant);
  return { variant, tf, tfBackend: variant };
}

const cache = new Map<EngineVariant, Promise<TfjsEngine>>();

/**
 * The real loader. node-gpu and node are imported dynamically, only when asked for; each
 * engine is loaded once per process (tfjs keeps one global engine; backends switch it per op).
 */
export const loadEngine: EngineLoader = (variant) => {
  if (!ENGINE_ORDER.includes(variant)) {
    return Promise.reject(new Error(`unknown tfjs engine '${String(variant)}'`));
  }
  let loading = cache.get(variant);
  if (loading === undefined) {
    loading = loadUncached(variant);
    cache.set(variant, loading);
  }
  return loading;
};
