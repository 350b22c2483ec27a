import { type LlamaModel, type LmTokenizer, loadTokenizer, LlamaModel as Model } from '@meerkat/lm';
import type { Backend } from '@meerkat/tensor';
import { DEFAULT_BACKEND, forwardBackend, gradientBackend } from '../backend.js';

/** A loaded model with its tokenizer and backend; `dispose()` frees the weights. */
export interface LoadedModel {
  readonly model: LlamaModel;
  readonly tokenizer: LmTokenizer;
  readonly backend: Backend;
  dispose(): void;
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /**
   * What the model is for when it needs gradients (e.g. `'mask calibration'`): then `auto` means
   * a gradient-capable backend, and a forward-only backend named by `--backend` is replaced by
   * one, said in one line on `log`.
   */
  readonly gradientsFor?: string;
  readonly log?: (line: string) => void;
}

async function chooseBackend(backendName: string, options: LoadModelOptions): Promise<Backend> {
  const why = options.gradientsFor;
  if (why === undefined) return (await forwardBackend(backendName)).backend;
  const named =
    backendName === DEFAULT_BACKEND ? undefined : (await forwardBackend(backendName)).backend;
  const choice = await gradientBackend(why, named);
  if (choice.backend !== named) options.log?.(choice.reason);
  return choice.backend;
}

/**
 * Loads a model directory on `backendName` (`auto`: the fastest forward-capable backend, or a
 * gradient-capable one when `options.gradientsFor` says the model needs gradients).
 */
export async function loadModel(
  dir: string,
  backendName: string = DEFAULT_BACKEND,
  options: LoadModelOptions = {},
): Promise<LoadedModel> {
  const backend = await chooseBackend(backendName, options);
  const model = Model.load(dir, backend);
  const tokenizer = loadTokenizer(dir);
  return { model, tokenizer, backend, dispose: () => model.dispose() };
}
