#!/usr/bin/env node
// Load benchmark of the NATS transport: N lightweight clients (a synthetic quadratic objective,
// no LLM) against one coordinator on 127.0.0.1, through a real nats-server with one nkey user
// and subject permissions per client.
//
//   node packages/nats-transport/bench/nats-load.mjs [--clients 1000] [--rounds 20] [--steps 10] [--k 256]
//                                             [--participation 1] [--protocol 2]
//
// --protocol 2 (default): the clients offer [1, 2] and upload v2 frames (float32 g, no client id
// in the frame); --protocol 1: v1-only clients (float64 g, JSON header), for comparison. Both
// round g to float32 (ZoOptimizer scalars 'float32', as the trainer's clients do), so the two
// runs carry the same values and end with the same θ.
//
// The coordinator (this process) runs the trainer's own ZoAggregator (fed-aggregate's
// FederatedServer: virtual-path replay, replay-log downlink) over NatsTransport; the clients run
// in one child process, each with its own connection and NatsTransport client link, doing real
// two-point ZO steps with the derived seeds. Reported: rounds/s, p50/p99 round latency, the
// coordinator's peak RSS, and bytes per client per round (payload and on the wire) against the
// protocol minimum of 4 bytes per local step up; `uplink` puts one update's payload (the frame)
// beside the NATS bytes a client sends per update (publish line, headers, payload).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');

async function bundle() {
  const { build } = await import('esbuild');
  const dir = join(pkg, 'node_modules', '.cache', 'meerkat-bench');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `nats-load-${process.pid}.mjs`);
  await build({
    stdin: {
      contents: [
        "export { NatsTransport } from './src/nats-transport.ts';",
        "export { connectToRun } from './src/connect.ts';",
        "export { RunSubjects } from './src/subjects.ts';",
        "export { startNatsFixture } from './src/testing/nats-server-fixture.ts';",
        "export { ZoAggregator } from '@meerkat/trainer';",
        "export { catchUp, decodeReplayLog } from '@meerkat/fed-aggregate';",
        "export { deriveSeed, ZoOptimizer } from '@meerkat/zo-estimator';",
        "export { crc32 } from '@meerkat/seeded';",
      ].join('\n'),
      resolveDir: pkg,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['meerkat-source'],
    external: ['@tensorflow/*', '@huggingface/*', '@stdlib/*', '@nats-io/*', 'zod'],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** A client's synthetic objective: ½‖θ − target_c‖², targets differ per client (Non-IID). */
function objective(target) {
  return (values) => {
    let s = 0;
    for (let i = 0; i < values.length; i++) {
      const d = values[i] - target[i];
      s += d * d;
    }
    return 0.5 * s;
  };
}

/** `crc32` of θ's bytes as 8 hex digits. */
function crc32Hex(crc32, theta) {
  return crc32(new Uint8Array(theta.buffer, theta.byteOffset, theta.byteLength))
    .toString(16)
    .padStart(8, '0');
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '20' },
      steps: { type: 'string', default: '10' },
      k: { type: 'string', default: '256' },
      participation: { type: 'string', default: '1' },
      protocol: { type: 'string', default: '2' },
      worker: { type: 'string' },
    },
  });
  if (values.worker !== undefined)
    return runWorker(JSON.parse(readFileSync(values.worker, 'utf8')));
  const clients = Number(values.clients);
  const rounds = Number(values.rounds);
  const steps = Number(values.steps);
  const k = Number(values.k);
  const participation = Number(values.participation);
  const protocol = Number(values.protocol);
  if (protocol !== 1 && protocol !== 2)
    throw new Error(`--protocol must be 1 or 2, got ${values.protocol}`);
  const file = await bundle();
  const m = await import(file);
  const ids = Array.from({ length: clients }, (_, i) => `c${String(i).padStart(4, '0')}`);
  const t0 = performance.now();
  const fx = await m.startNatsFixture({ run: 'load', clientIds: ids, maxPayload: 8 * 1024 * 1024 });
  process.stderr.write(
    `nats-server with ${clients} users up in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  const nc = await m.connectToRun(fx.connectOptions('coordinator'));
  const transport = new m.NatsTransport({
    nc,
    subjects: fx.subjects,
    limits: { maxMessageBytes: 8 * 1024 * 1024 },
  });
  await transport.prepare();
  const link = transport.coordinator();
  await link.ready();
  const theta0 = new Float32Array(k);
  const aggregator = m.ZoAggregator.create(
    { runSeed: 1n, lr: 0.002, directions: 1, participation: { fraction: participation } },
    theta0,
  );
  const spec = {
    bundle: file,
    run: 'load',
    k,
    ids,
    lastRound: rounds - 1,
    protocolVersions: protocol === 2 ? [1, 2] : [1],
    options: Object.fromEntries(ids.map((id) => [id, fx.connectOptions({ clientId: id })])),
  };
  const specFile = join(fx.dir, 'worker-spec.json');
  writeFileSync(specFile, JSON.stringify(spec));
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', specFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let childOut = '';
  child.stdout.on('data', (d) => {
    childOut += String(d);
  });
  const childExit = new Promise((r) => child.on('exit', r));

  const run = {
    runId: 'load',
    runSeed: '1',
    dataSeed: '1',
    optimizer: 'zo',
    lr: 0.002,
    eps: 1e-3,
    directions: 1,
    distribution: 'gaussian',
    batchSize: 1,
    k,
    layoutFingerprint: '0000000000000000',
  };
  const clientRound = new Map();
  const joinDeadline = Date.now() + 300_000;
  while (clientRound.size < clients && Date.now() < joinDeadline) {
    const { message } = await link.receive();
    if (message.type !== 'join') continue;
    clientRound.set(message.clientId, message.round);
    aggregator.registerClient(message.clientId);
    await link.send(message.clientId, { v: 1, type: 'welcome', clientId: message.clientId, run });
  }
  process.stderr.write(
    `${clientRound.size} clients joined after ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );

  const latencies = [];
  let payloadUp = 0;
  let payloadUpMin = Number.POSITIVE_INFINITY;
  let payloadUpMax = 0;
  let payloadDown = 0;
  let updates = 0;
  const statsStart = { ...nc.stats() };
  const runStart = performance.now();
  let peakRss = process.memoryUsage().rss;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    const plan = aggregator.openRound(new Map(ids.map((id) => [id, steps])));
    for (const a of plan) {
      payloadDown += await link.send(a.clientId, {
        v: 1,
        type: 'announce',
        round: r,
        clientId: a.clientId,
        steps: a.steps,
        cursor: { epoch: 0, position: 0 },
        catchUp: aggregator.catchUpFor(clientRound.get(a.clientId)),
      });
      clientRound.set(a.clientId, r);
    }
    const got = new Set();
    const deadline = Date.now() + 120_000;
    while (got.size < plan.length && Date.now() < deadline) {
      const { message, bytes } = await link.receive();
      if (message.type !== 'update' || message.round !== r || got.has(message.clientId)) continue;
      aggregator.submit(message);
      got.add(message.clientId);
      payloadUp += bytes;
      payloadUpMin = Math.min(payloadUpMin, bytes);
      payloadUpMax = Math.max(payloadUpMax, bytes);
      updates++;
    }
    aggregator.closeRound();
    latencies.push(performance.now() - start);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - runStart) / 1000;
  const statsEnd = nc.stats();
  for (const id of ids) {
    await link.send(id, {
      v: 1,
      type: 'finish',
      clientId: id,
      catchUp: { kind: 'none', round: rounds },
    });
  }
  await childExit;
  const clientStats = JSON.parse(childOut.trim().split('\n').at(-1) ?? '{}');
  const sorted = [...latencies].sort((a, b) => a - b);
  // Per sampled client per round (with participation < 1 only the sampled clients do a round).
  const perClientRound = updates;
  const report = {
    protocol,
    clients,
    participation,
    rounds,
    localSteps: steps,
    k,
    roundsPerSecond: rounds / seconds,
    roundLatencyMs: {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1),
    },
    coordinatorPeakRssMiB: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    // One update: its frame (the payload), the frame with its Nats-Msg-Id header (what NATS
    // counts as message bytes), and the TCP bytes its client wrote for it: the JetStream publish,
    // i.e. the HPUB line (subject, reply inbox, sizes), the header and the frame.
    uplink: {
      payloadBytes: { mean: payloadUp / updates, min: payloadUpMin, max: payloadUpMax },
      natsMessageBytes: (statsEnd.inBytes - statsStart.inBytes) / updates,
      socketBytes: clientStats.socketOutPerUpdate,
      gBytes: 4 * steps,
    },
    // CRC-32 of the final θ's bytes: --protocol 1 and 2 runs of one size end with the same θ.
    thetaCrc32: crc32Hex(m.crc32, aggregator.theta()),
    bytesPerClientPerRound: {
      protocolMinimumUp: 4 * steps,
      payloadUp: payloadUp / updates,
      payloadDown: payloadDown / perClientRound,
      clientWireOut: clientStats.outBytes / perClientRound,
      clientWireIn: clientStats.inBytes / perClientRound,
      coordinatorWireIn: (statsEnd.inBytes - statsStart.inBytes) / perClientRound,
      coordinatorWireOut: (statsEnd.outBytes - statsStart.outBytes) / perClientRound,
    },
    finalLossMean: clientStats.lastLossMean,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  await transport.close();
  await nc.close();
  await fx.close();
}

async function runWorker(spec) {
  const m = await import(spec.bundle);
  const subjects = new m.RunSubjects(spec.run);
  // Bytes this process writes to its sockets (its only sockets are the clients' NATS
  // connections): protocol lines, headers and payloads, as they go on the wire (no TLS here).
  const net = await import('node:net');
  let socketBytesOut = 0;
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function (chunk, ...rest) {
    socketBytesOut += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    return write.call(this, chunk, ...rest);
  };
  /** Socket bytes out from the first announce (every client has joined) to the last update. */
  const rounds = { start: -1, end: 0, updates: 0 };
  const connections = [];
  let finished = 0;
  let lastLossSum = 0;
  let lastLossCount = 0;
  const done = new Promise((resolve) => {
    const onFinish = () => {
      finished++;
      if (finished === spec.ids.length) resolve();
    };
    (async () => {
      for (const [c, id] of spec.ids.entries()) {
        const nc = await m.connectToRun({ ...spec.options[id], timeoutMs: 20_000 });
        connections.push(nc);
        const transport = new m.NatsTransport({
          nc,
          subjects,
          protocolVersions: spec.protocolVersions,
        });
        const link = transport.client(id);
        const target = Float32Array.from({ length: spec.k }, (_, i) => Math.sin(i + c));
        const theta = new Float32Array(spec.k);
        let round = 0;
        let run = null;
        link.onMessage(async (msg) => {
          if (msg.type === 'welcome') run = msg.run;
          else if (msg.type === 'announce') {
            if (rounds.start < 0) rounds.start = socketBytesOut;
            if (msg.catchUp.kind === 'logs') {
              const logs = msg.catchUp.logs
                .map((b) => m.decodeReplayLog(b))
                .filter((l) => l.round >= round);
              round = m.catchUp(theta, round, logs);
            } else if (msg.catchUp.kind === 'theta') {
              theta.set(msg.catchUp.theta);
              round = msg.catchUp.round;
            }
            const optimizer = new m.ZoOptimizer(theta.slice(), {
              lr: run.lr,
              eps: run.eps,
              directions: 1,
              distribution: 'gaussian',
              scalars: 'float32',
            });
            const f = objective(target);
            const g = new Float64Array(msg.steps);
            const losses = [];
            for (let t = 0; t < msg.steps; t++) {
              const res = await optimizer.step(
                async (v) => f(v),
                m.deriveSeed(1n, msg.round, id, t),
              );
              g[t] = res.record.g;
              losses.push(res.loss);
            }
            const loss = losses.reduce((s, v) => s + v, 0);
            if (msg.round === spec.lastRound) {
              lastLossSum += loss / msg.steps;
              lastLossCount++;
            }
            await link.send({
              v: 1,
              type: 'update',
              round: msg.round,
              clientId: id,
              numSamples: 1,
              g,
              delta: new Float32Array(0),
              // Loss statistics are float32 in v2: rounded as the trainer's clients do.
              loss: {
                mean: Math.fround(loss / msg.steps),
                first: Math.fround(losses[0]),
                last: Math.fround(losses.at(-1)),
              },
              forwardPasses: 2 * msg.steps,
              skippedSteps: 0,
            });
            rounds.updates++;
            rounds.end = socketBytesOut;
          } else if (msg.type === 'finish') onFinish();
        });
        await link.send({ v: 1, type: 'join', clientId: id, numSamples: 1, round: 0 });
      }
    })().catch((e) => {
      process.stderr.write(`worker failed: ${e?.stack ?? e}\n`);
      process.exit(1);
    });
  });
  const timer = setTimeout(() => {
    process.stderr.write('worker: timed out\n');
    process.exit(2);
  }, 900_000);
  await done;
  clearTimeout(timer);
  let inBytes = 0;
  let outBytes = 0;
  for (const nc of connections) {
    const s = nc.stats();
    inBytes += s.inBytes;
    outBytes += s.outBytes;
  }
  process.stdout.write(
    `${JSON.stringify({
      inBytes,
      outBytes,
      socketOutPerUpdate: (rounds.end - rounds.start) / Math.max(1, rounds.updates),
      lastLossMean: lastLossSum / Math.max(1, lastLossCount),
    })}\n`,
  );
  for (const nc of connections) await nc.close();
  process.exit(0);
}

await main();
