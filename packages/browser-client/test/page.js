// The test page's script: it drives the browser bundle (served as /meerkat-browser.js) and shows
// what it does as status lines. chromium.test.ts calls the tasks on `window.meerkatTest`; every
// task reports a failure on the page and rethrows it with its name, code and message.
import * as meerkat from '/meerkat-browser.js';

const statusBox = document.getElementById('status');

function status(line, isError = false) {
  const div = document.createElement('div');
  div.textContent = line;
  if (isError) div.className = 'error';
  statusBox.append(div);
}

function describeError(e) {
  if (e instanceof Error) return `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}`;
  return String(e);
}

window.addEventListener('error', (event) => status(`uncaught: ${event.message}`, true));
window.addEventListener('unhandledrejection', (event) =>
  status(`unhandled rejection: ${describeError(event.reason)}`, true),
);

/** Runs `fn`, showing a failure on the page and rethrowing it with the task's name. */
function task(name, fn) {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (e) {
      const message = `${name} failed: ${describeError(e)}`;
      status(message, true);
      throw new Error(message);
    }
  };
}

/** The WebGL2 context of a fresh canvas, and the renderer behind it. */
function webgl2Info() {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) return { available: false, renderer: null, vendor: null, version: null };
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const info = {
    available: true,
    renderer: gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER),
    vendor: gl.getParameter(debug ? debug.UNMASKED_VENDOR_WEBGL : gl.VENDOR),
    version: gl.getParameter(gl.VERSION),
  };
  status(`WebGL2: ${info.renderer} (${info.version})`);
  return info;
}

/** Where this page serves onnxruntime-web's .mjs/.wasm (scripts/build-browser.mjs copies them). */
const ORT_WASM_PATHS = new URL('/ort/', location.href).href;

async function createBackend(name) {
  if (name === 'reference:cpu') return meerkat.createReferenceBackend();
  if (name === 'ort:wasm' || name === 'ort:webgpu') {
    return await meerkat.createOrtBackend({ engine: name.slice(4), wasmPaths: ORT_WASM_PATHS });
  }
  if (name === 'gpujs:webgl2') {
    if (typeof meerkat.createGpujsBackend !== 'function') {
      throw new Error('this bundle has no createGpujsBackend (@meerkat/backend-gpujs)');
    }
    return await meerkat.createGpujsBackend({ mode: 'webgl2' });
  }
  throw new Error(
    `unknown backend ${name}; use reference:cpu, gpujs:webgl2, ort:wasm or ort:webgpu`,
  );
}

let model = null;
let tokenizer = null;

async function load(backendName) {
  const started = performance.now();
  const backend = await createBackend(backendName);
  const loaded = await meerkat.loadModelFromUrls(
    {
      config: '/model/config.json',
      weights: '/model/model.safetensors',
      tokenizer: '/model/tokenizer.json',
      tokenizerConfig: '/model/tokenizer_config.json',
    },
    backend,
  );
  model = loaded.model;
  tokenizer = loaded.tokenizer;
  const ms = performance.now() - started;
  const summary = backend.selection?.summary;
  status(
    `loaded stories260K (${loaded.checkpoint.parameterCount} parameters) on ${backend.name} in ${ms.toFixed(0)} ms${summary ? ` (${summary})` : ''}`,
  );
  return { backend: backend.name, parameterCount: loaded.checkpoint.parameterCount };
}

/** The page's isolation, and how the loaded model's ONNX Runtime backend was set up. */
function ortInfo() {
  const setup = meerkat.wasmSetupOf(model.backend);
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    summary: model.backend.selection.summary,
    numThreads: setup?.numThreads ?? null,
  };
}

/** Tries `ort:webgpu`; returns what happened instead of throwing (no adapter is an outcome). */
async function tryWebgpu() {
  const adapter = navigator.gpu ? await navigator.gpu.requestAdapter() : undefined;
  const gpu = adapter === undefined ? 'no navigator.gpu' : adapter === null ? 'null' : 'adapter';
  try {
    const backend = await meerkat.createOrtBackend({
      engine: 'webgpu',
      wasmPaths: ORT_WASM_PATHS,
    });
    status(`ort:webgpu: ${backend.selection.summary}`);
    return { ok: true, gpu, name: backend.name, summary: backend.selection.summary };
  } catch (e) {
    status(`ort:webgpu unavailable: ${describeError(e)}`);
    return { ok: false, gpu, errorName: e.name, code: e.code ?? null, message: e.message };
  }
}

/** Tokenizes `text`, runs the forward and returns the ids, the last logits and argmax per position. */
async function forward(text) {
  const ids = Uint32Array.from(tokenizer.encode(text));
  const started = performance.now();
  const logits = model.forward(ids, [1, ids.length], { logits: 'all' });
  const all = await model.backend.download(logits);
  const ms = performance.now() - started;
  logits.dispose();
  const vocab = all.length / ids.length;
  const argmax = [];
  for (let p = 0; p < ids.length; p++) {
    let best = 0;
    for (let v = 1; v < vocab; v++) if (all[p * vocab + v] > all[p * vocab + best]) best = v;
    argmax.push(best);
  }
  const last = Array.from(all.subarray((ids.length - 1) * vocab));
  const next = tokenizer.decode([argmax[argmax.length - 1]]);
  status(`forward "${text}" (${ids.length} tokens) in ${ms.toFixed(0)} ms → next token "${next}"`);
  return { ids: Array.from(ids), lastLogits: last, argmax, ms };
}

/** A seeded random mask, a browser client, and ZO steps on one text per step. */
async function zoSteps({ density, maskSeed, runSeed, clientId, lr, eps, round, texts }) {
  const layout = meerkat.createLayout(meerkat.parameterSpecs(model.config));
  const mask = meerkat.randomMask(layout, { density }, BigInt(maskSeed));
  const client = await meerkat.createBrowserClient({
    model,
    maskIndices: mask.indices,
    runSeed: BigInt(runSeed),
    clientId,
    lr,
    eps,
  });
  const theta0 = client.theta();
  const batches = texts.map((text) => {
    const ids = Uint32Array.from(tokenizer.encode(text));
    return { ids, shape: [1, ids.length] };
  });
  const started = performance.now();
  const result = await client.localSteps(batches, { round });
  const ms = performance.now() - started;
  result.records.forEach((r, t) => {
    status(
      `ZO step ${t}: seed ${r.seed}, g = ${r.g.toPrecision(6)}, loss ${result.losses[t].toFixed(4)}`,
    );
  });
  status(
    `${result.records.length} ZO steps over ${mask.indices.length} masked parameters (density ${density}) in ${ms.toFixed(0)} ms, ${result.forwardPasses} forwards`,
  );
  return {
    layoutFingerprint: layout.fingerprint,
    maskIndices: Array.from(mask.indices),
    theta0: Array.from(theta0),
    theta: Array.from(result.theta),
    records: result.records.map((r) => ({ seed: r.seed.toString(), g: r.g })),
    losses: result.losses,
    forwardPasses: result.forwardPasses,
    ms,
  };
}

window.meerkatTest = {
  webgl2Info: task('webgl2Info', webgl2Info),
  load: task('load', load),
  forward: task('forward', forward),
  zoSteps: task('zoSteps', zoSteps),
  ortInfo: task('ortInfo', ortInfo),
  tryWebgpu: task('tryWebgpu', tryWebgpu),
};
status('page ready');
