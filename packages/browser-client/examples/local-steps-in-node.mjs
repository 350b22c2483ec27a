// The browser client's page code, run in Node: a node:http server on 127.0.0.1 serves the
// stories260K files as a web server would, loadModelFromUrls fetches them onto the pure-JS
// reference backend, createBrowserClient trains a seeded random 0.1% mask with 3 ZO steps, and
// `replay` (what the server does with the uploaded (seed, g) records) rebuilds the client's θ
// from θ₀. Prints the load line, each step's seed, g and loss, the upload size, and whether the
// replayed θ equals the client's bit for bit. About 2 s. Skips (exit 0) without
// ../shared/models/stories260K beside the repository.
//
//   npx turbo run build --filter=@meerkat/browser-client... && node examples/local-steps-in-node.mjs
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createBrowserClient,
  createLayout,
  createReferenceBackend,
  loadModelFromUrls,
  parameterSpecs,
  randomMask,
  replay,
} from '@meerkat/browser-client';

const modelDir = fileURLToPath(new URL('../../../../shared/models/stories260K', import.meta.url));
if (!existsSync(modelDir)) {
  console.log(`skipped: no stories260K at ${modelDir}`);
  process.exit(0);
}

// A static file server: GET /model/<file> answers the file of the model directory.
const server = createServer((req, res) => {
  const file = join(modelDir, decodeURIComponent(req.url.replace(/^\/model\//, '')));
  if (!req.url.startsWith('/model/') || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200).end(readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}/model/`;

try {
  const backend = createReferenceBackend();
  const started = performance.now();
  const { model, tokenizer, checkpoint } = await loadModelFromUrls(
    {
      config: `${base}config.json`,
      weights: `${base}model.safetensors`,
      tokenizer: `${base}tokenizer.json`,
      tokenizerConfig: `${base}tokenizer_config.json`,
    },
    backend,
  );
  console.log(
    `loaded ${checkpoint.parameterCount} parameters from ${base} on ${backend.name} in ${(performance.now() - started).toFixed(0)} ms`,
  );

  // The server sends the mask (calibrated on gradients); a seeded random mask stands in here.
  const mask = randomMask(createLayout(parameterSpecs(model.config)), { density: 1e-3 }, 7n);
  const client = await createBrowserClient({
    model,
    maskIndices: mask.indices,
    runSeed: 2026n,
    clientId: 'browser-0',
    lr: 1e-2,
    eps: 1e-3,
  });
  const theta0 = client.theta(); // θ^r; a real client gets it from the server (client.setTheta)
  const texts = ['Once upon a time', 'The cat sat on the mat.', 'Lily and Tim went to the park.'];
  const batches = texts.map((text) => {
    const ids = Uint32Array.from(tokenizer.encode(text));
    return { ids, shape: [1, ids.length] };
  });
  const { records, losses, forwardPasses, theta } = await client.localSteps(batches, { round: 3 });
  records.forEach((r, t) => {
    console.log(
      `step ${t}: seed ${r.seed}, g = ${r.g.toPrecision(6)}, loss ${losses[t].toFixed(4)}`,
    );
  });
  console.log(
    `k = ${mask.indices.length} masked values, ${forwardPasses} forward passes; upload: ${records.length} (seed, g) records`,
  );
  // The server's side: replay the records from θ₀ with the client's update options.
  const replayed = replay(Float32Array.from(theta0), records, client.updateOptions);
  const same = replayed.every((v, i) => Object.is(v, theta[i]));
  console.log(`replayed θ ${same ? 'equals' : 'DIFFERS FROM'} the client's θ bit for bit`);
  if (!same) process.exitCode = 1;
} finally {
  server.close();
}
