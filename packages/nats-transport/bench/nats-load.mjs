#!/usr/bin/env node
// Load benchmark of the NATS transport: N lightweight clients (a synthetic quadratic objective,
// no LLM) against one coordinator on 127.0.0.1, through a real nats-server with one nkey user
// and subject permissions per client.
//
//   node packages/nats-transport/bench/nats-load.mjs [--clients 1000] [--rounds 20] [--steps 10] [--k 256]
//        [--participation 1] [--protocol 2] [--lr min(0.002, 1/k)] [--workers <cores>]
//        [--users <clients>] [--connect-concurrency 16] [--join-timeout 900] [--round-timeout 120]
//
// Flags:
//   --clients N        clients that join the run (each its own NATS connection and nkey user).
//   --rounds, --steps  rounds, and local ZO steps per sampled client per round.
//   --k                θ length. k = 100000 makes the run compute-bound (see `compute` below).
//   --participation    fraction of the joined clients sampled per round.
//   --lr               learning rate; default min(0.002, 1/k): 0.002 up to k = 500, smaller
//                      beyond, where 0.002 diverges (lr²·k ≫ lr) until the coordinator drops the
//                      updates (|loss| above the uplink bound of 1e6).
//   --protocol 2       (default): the clients offer [1, 2] and upload v2 frames (float32 g, no
//                      client id in the frame); --protocol 1: v1-only clients (float64 g, JSON
//                      header), for comparison. Both round g to float32 (ZoOptimizer scalars
//                      'float32', as the trainer's clients do), so the two runs carry the same
//                      values and end with the same θ.
//   --workers W        child processes the clients are split across (contiguous slices); default
//                      os.availableParallelism(), at most N.
//   --users U          nkey users registered with the server (default N, at least N); the first N
//                      of them join. The target scenario: --clients 10000 --users 10000
//                      --participation 0.01. Each worker holds N/W sockets and the server N: the
//                      bench refuses to start when `ulimit -n` is below that (nats-server's own
//                      max_connections default, 64K, is enough).
//   --connect-concurrency C   connections each worker opens at once while joining.
//   --join-timeout, --round-timeout   deadlines in seconds (join: spawning the workers to the
//                      last join; round: the wait for its updates). The whole bench stops by
//                      itself after join + rounds × round timeout + 120 s. Children are killed
//                      on any exit of this process; if it is killed outright (SIGKILL), the
//                      workers notice within a second, kill this run's nats-server and exit.
//
// The coordinator (this process) runs the trainer's own ZoAggregator (fed-aggregate's
// FederatedServer: virtual-path replay, replay-log downlink) over NatsTransport; the clients run
// in W child processes, each client with its own connection and NatsTransport client link,
// doing real two-point ZO steps with the derived seeds (one client's compute at a time per
// process, so the timings below are exclusive). Everything talks to 127.0.0.1 only.
//
// Report (JSON on stdout; progress on stderr). Fields kept from the single-process bench:
//   protocol, clients, participation, rounds, localSteps, k, thetaCrc32, finalLossMean.
//   roundsPerSecond, roundLatencyMs (p50/p99/max): round wall time, openRound to closeRound (and
//     handing the round's log to the transport, where it has roundClosed, as serve-run does).
//   coordinatorPeakRssMiB: this process's peak RSS.
//   bytesPerClientPerRound, uplink: per update, against the protocol minimum of 4 bytes per local
//     step up; `uplink` puts one update's payload (the frame) beside the NATS bytes a client sends
//     per update (publish line, headers, payload). Client counters are summed over the workers.
// Added:
//   lr; processes (W), cores, users (U).
//   join: seconds from the first client connect to the last join at the coordinator,
//     spawnToJoinedSeconds (includes the workers' start-up), the slowest worker's connect phase,
//     and serverStartSeconds: the fixture's start with U users (creating U nkey identities in
//     JavaScript, ~7 ms each, then the config and the server).
//   cpuSeconds: CPU per phase for the coordinator, the nats-server (/proc/<pid>/stat) and the
//     workers (join: their connect phase, and per connection, which is mostly the client's nkey
//     signature of the server nonce in JavaScript); rounds: coordinator and server.
//   workerPeakRssMiB: the client processes' peak RSS (largest and sum).
//   natsServer: the nats-server's pid, open-file limit, and VmRSS / VmHWM (/proc/<pid>/status)
//     in MiB after the join and after the rounds.
//   compute: the floor of generating the round's Gaussian directions, measured in this run
//     before the server starts: `gaussianDrawsPerSecondPerCore` times fillDirection (the path
//     ZoOptimizer.step takes) at k, best of 5 short trials; `directionFillsPerStep` counts the
//     k-entry fills one step makes (through a counting direction pool: 1 with one direction; the
//     step's other two passes over θ reuse z); the aggregator's closeRound (applyReplayLog)
//     makes one fill per (client, step, direction) entry (`aggregationFillsPerEntry`).
//     drawsPerRound: clients = entries × fills per step × k, aggregation = entries × k, catchUp =
//     the replayed log entries × k (apart: not in the floor). floorMsPerRound = (clients +
//     aggregation) / (draws/s per core × min(cores, W)); criticalPathFloorMsPerRound puts the
//     aggregation on one core (it runs after the last update); catchUpFloorMsPerRound the same
//     for the replays. stepMsPerCore: one whole step (two evaluations, three passes, one fill)
//     timed alone, stepFloorMsPerRound = sampled × steps × that / min(cores, W); measuredStepMs:
//     the clients' own time per step in the run. roundWallMs (mean), wallOverFloor, and
//     breakdownMsPerRound (means over rounds): the clients' step compute (sum over processes,
//     and the largest process's), their catch-up (same), the coordinator's aggregation
//     (openRound / submit / closeRound), its downlink (catch-up plan; encoding and publishing the
//     announces; publishing the round's log where the transport has roundClosed), and
//     remainder = wall − aggregation − the largest process's step + catch-up time: messaging and
//     waiting (submit overlaps client compute, so it is a lower bound).
//   perRound: the same figures for each round, with the coordinator's time waiting in receive.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const MiB = 2 ** 20;
/**
 * The ZO run's settings (the welcome's run descriptor and the aggregator's config). The default
 * learning rate is min(0.002, 1/k): 0.002 up to k = 500 (the figures quoted so far), smaller
 * beyond, where 0.002 makes the local steps diverge (growth ~ 1 − 2·lr + lr²·k per step) until
 * the losses pass the uplink's bound (1e6) and the coordinator drops the updates.
 */
const DEFAULT_LR = 0.002;
const EPS = 1e-3;
const DIRECTIONS = 1;

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
        'export { deriveSeed, fillDirection, fillDirectionRange, ZoOptimizer } from',
        "  '@meerkat/zo-estimator';",
        "export { crc32 } from '@meerkat/seeded';",
        "export { createDirectionPool } from '@meerkat/zo-estimator/node';",
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

/**
 * sin(j) as float32 for j in [0, length): client c's target is its subarray [c, c + k), the same
 * values as Float32Array.from({ length: k }, (_, i) => Math.sin(i + c)) without a copy per client.
 */
function sinTable(length) {
  return Float32Array.from({ length }, (_, j) => Math.sin(j));
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

const sum = (xs) => xs.reduce((s, x) => s + x, 0);
const mean = (xs) => (xs.length === 0 ? Number.NaN : sum(xs) / xs.length);
const diff = (a, b) => (a === null || b === null ? null : a - b);
const max = (xs) => xs.reduce((m, x) => Math.max(m, x), 0);

/** `/proc/<pid>/status` VmRSS and VmHWM in MiB, or null where it cannot be read. */
function procMemory(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
      return m === null ? null : (Number(m[1]) * 1024) / MiB;
    };
    return { rssMiB: kb('VmRSS'), hwmMiB: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Seconds of CPU (user + system) a process has used so far (`/proc/<pid>/stat`), or null. */
function procCpuSeconds(pid, ticksPerSecond) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, which may hold spaces): utime is 14th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return null;
  }
}

function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** This process's CPU seconds so far. */
function ownCpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The soft open-file limit of a process (`/proc/<pid>/limits`), or null. */
function openFileLimit(pid = 'self') {
  try {
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    if (m === null) return null;
    return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
  } catch {
    return null;
  }
}

function positiveInteger(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be an integer >= 1, got ${text}`);
  return n;
}

/** A promise that rejects after `ms` with `what` (text, or a function giving it then). */
function deadline(ms, what) {
  let timer;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`deadline: ${typeof what === 'function' ? what() : what}`)),
      Math.max(0, ms),
    );
  });
  promise.catch(() => {});
  return { promise, clear: () => clearTimeout(timer) };
}

/** `promise`, or a rejection when `ms` pass first or `failed` rejects (a child failed). */
async function within(promise, ms, what, failed) {
  const d = deadline(ms, what);
  try {
    return await Promise.race([promise, d.promise, failed]);
  } finally {
    d.clear();
  }
}

/**
 * Measures in this process, before anything else runs: Gaussian draws per second of
 * fillDirection at k (the direction generator ZoOptimizer.step calls), how many k-entry fills one
 * step makes (counted through a direction pool that forwards to the same generator), and one
 * whole step's time (two objective evaluations, three passes over θ, one fill).
 */
async function calibrate(m, k, lr, minMs = 500) {
  const seeds = Array.from({ length: 16 }, (_, i) => m.deriveSeed(7n, 0, 'calibration', i));
  const options = { stream: 0, distribution: 'gaussian' };
  const z = new Float32Array(k);
  for (let i = 0; i < 4; i++) m.fillDirection(seeds[i], z, options);
  // The best of several short trials: on a shared machine it is the nearest to one free core.
  let drawsPerSecond = 0;
  for (let trial = 0; trial < 5; trial++) {
    let fills = 0;
    const f0 = performance.now();
    let fillMs = 0;
    do {
      m.fillDirection(seeds[fills % seeds.length], z, options);
      fills++;
      fillMs = performance.now() - f0;
    } while (fillMs < minMs / 5 || fills < 3);
    drawsPerSecond = Math.max(drawsPerSecond, (fills * k) / (fillMs / 1000));
  }

  let entries = 0;
  const counting = {
    threads: 1,
    closed: false,
    fill: async (seed, out, o) => {
      entries += out.length;
      return m.fillDirection(seed, out, o);
    },
    fillRange: async (seed, out, from, o) => {
      entries += out.length;
      return m.fillDirectionRange(seed, out, from, o);
    },
    allocate: (n) => new Float32Array(n),
    close: async () => {},
  };
  const stepOptions = {
    lr,
    eps: EPS,
    directions: DIRECTIONS,
    distribution: 'gaussian',
    scalars: 'float32',
  };
  const target = sinTable(k);
  const f = objective(target);
  const counted = new m.ZoOptimizer(new Float32Array(k), {
    ...stepOptions,
    directionPool: counting,
    directionPoolThreshold: 0,
  });
  await counted.step(async (v) => f(v), seeds[0]);
  const fillsPerStep = entries / k;

  const optimizer = new m.ZoOptimizer(new Float32Array(k), stepOptions);
  for (let i = 0; i < 4; i++) await optimizer.step(async (v) => f(v), seeds[i]);
  let bestStepMs = Number.POSITIVE_INFINITY;
  for (let trial = 0; trial < 5; trial++) {
    let steps = 0;
    const s0 = performance.now();
    let stepMs = 0;
    do {
      await optimizer.step(async (v) => f(v), seeds[steps % seeds.length]);
      steps++;
      stepMs = performance.now() - s0;
    } while (stepMs < minMs / 5 || steps < 3);
    bestStepMs = Math.min(bestStepMs, stepMs / steps);
  }
  return { drawsPerSecond, fillsPerStep, stepMs: bestStepMs };
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
      lr: { type: 'string' },
      workers: { type: 'string', default: String(availableParallelism()) },
      users: { type: 'string' },
      'connect-concurrency': { type: 'string', default: '16' },
      'join-timeout': { type: 'string', default: '900' },
      'round-timeout': { type: 'string', default: '120' },
      worker: { type: 'string' },
    },
  });
  if (values.worker !== undefined)
    return runWorker(JSON.parse(readFileSync(values.worker, 'utf8')));
  const clients = positiveInteger('clients', values.clients);
  const rounds = positiveInteger('rounds', values.rounds);
  const steps = positiveInteger('steps', values.steps);
  const k = positiveInteger('k', values.k);
  const participation = Number(values.participation);
  if (!(participation > 0 && participation <= 1))
    throw new Error(`--participation must be in (0, 1], got ${values.participation}`);
  const protocol = Number(values.protocol);
  if (protocol !== 1 && protocol !== 2)
    throw new Error(`--protocol must be 1 or 2, got ${values.protocol}`);
  const lr = values.lr === undefined ? Math.min(DEFAULT_LR, 1 / k) : Number(values.lr);
  if (!(lr > 0)) throw new Error(`--lr must be > 0, got ${values.lr}`);
  const users = values.users === undefined ? clients : positiveInteger('users', values.users);
  if (users < clients)
    throw new Error(`--users (${users}) must be at least --clients (${clients})`);
  const workers = Math.min(clients, positiveInteger('workers', values.workers));
  const connectConcurrency = positiveInteger('connect-concurrency', values['connect-concurrency']);
  const joinTimeoutMs = positiveInteger('join-timeout', values['join-timeout']) * 1000;
  const roundTimeoutMs = positiveInteger('round-timeout', values['round-timeout']) * 1000;
  const cores = availableParallelism();

  // Each worker holds its clients' sockets (plus a few of Node's own descriptors).
  const perWorker = Math.ceil(clients / workers);
  const fdLimit = openFileLimit();
  if (fdLimit !== null && perWorker + 64 > fdLimit) {
    throw new Error(
      `${perWorker} connections per worker need more open files than the limit ${fdLimit}: raise ulimit -n or pass more --workers`,
    );
  }

  // Everything started below is torn down on any exit: children with SIGKILL, then the server.
  const children = [];
  let fx = null;
  let bundleFile = null;
  const killAll = () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    const pid = fx?.pid();
    if (pid != null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    try {
      if (fx !== null) rmSync(fx.dir, { recursive: true, force: true });
      if (bundleFile !== null) rmSync(bundleFile, { force: true });
    } catch {}
  };
  process.on('exit', killAll);
  // On a failure: the children first, then the server, waiting for it to exit (bounded).
  failureCleanup = async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    if (fx !== null) await fx.close();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      process.stderr.write(`${signal}: stopping\n`);
      process.exit(130);
    });
  }
  const totalMs = joinTimeoutMs + rounds * roundTimeoutMs + 120_000;
  setTimeout(() => {
    process.stderr.write(`bench: not done after ${totalMs / 1000} s, stopping\n`);
    process.exit(2);
  }, totalMs).unref();
  const stopAt = Date.now() + totalMs;

  bundleFile = await bundle();
  const m = await import(bundleFile);

  process.stderr.write(`calibrating direction generation at k = ${k}\n`);
  const cal = await calibrate(m, k, lr);

  const ids = Array.from({ length: users }, (_, i) => `c${String(i).padStart(4, '0')}`);
  const joining = ids.slice(0, clients);
  const t0 = performance.now();
  fx = await m.startNatsFixture({ run: 'load', clientIds: ids, maxPayload: 8 * 1024 * 1024 });
  const serverStartSeconds = (performance.now() - t0) / 1000;
  const serverPid = fx.pid();
  const serverFdLimit = serverPid === null ? null : openFileLimit(serverPid);
  process.stderr.write(
    `nats-server (pid ${serverPid}, open files ${serverFdLimit}) with ${users} users up in ${serverStartSeconds.toFixed(1)} s\n`,
  );
  if (serverFdLimit !== null && clients + 64 > serverFdLimit) {
    throw new Error(
      `nats-server's open-file limit ${serverFdLimit} is below ${clients} connections: raise ulimit -n`,
    );
  }
  const nc = await m.connectToRun(fx.connectOptions('coordinator'));
  let aggregator;
  const transport = new m.NatsTransport({
    nc,
    subjects: fx.subjects,
    limits: { maxMessageBytes: 8 * 1024 * 1024 },
    // θ snapshots for clients that are behind (the catch-up rule), as serve-run gives its trainer's.
    thetaOf: () => aggregator?.theta(),
  });
  await transport.prepare();
  const link = transport.coordinator();
  await link.ready();
  const theta0 = new Float32Array(k);
  // The aggregation's directions on one thread per core (used from k = 65,536), as serve-run's
  // coordinator does with its plan's pool.
  const directionPool = m.createDirectionPool({ threads: cores });
  aggregator = m.ZoAggregator.create(
    { runSeed: 1n, lr, directions: DIRECTIONS, participation: { fraction: participation } },
    theta0,
    { directionPool },
  );

  // Children: a contiguous slice of the clients each. Any child that exits before the end with a
  // non-zero code, or is killed, fails the bench at once (`failed` rejects).
  let failWith;
  const failed = new Promise((_, reject) => {
    failWith = reject;
  });
  failed.catch(() => {});
  let finishing = false;
  const outputs = [];
  const exits = [];
  const ticks = clockTicks();
  const serverCpu = () => (serverPid === null ? null : procCpuSeconds(serverPid, ticks));
  const cpuAtSpawn = { coordinator: ownCpuSeconds(), server: serverCpu() };
  const spawnedAt = Date.now();
  for (let w = 0; w < workers; w++) {
    const from = Math.floor((w * clients) / workers);
    const to = Math.floor(((w + 1) * clients) / workers);
    const spec = {
      bundle: bundleFile,
      run: 'load',
      k,
      worker: w,
      parentPid: process.pid,
      server: { pid: serverPid, configFile: fx.configFile, dir: fx.dir },
      stopAt,
      connectConcurrency,
      lastRound: rounds - 1,
      protocolVersions: protocol === 2 ? [1, 2] : [1],
      clients: joining.slice(from, to).map((id, i) => ({
        id,
        index: from + i,
        options: fx.connectOptions({ clientId: id }),
      })),
    };
    const specFile = join(fx.dir, `worker-${w}.json`);
    writeFileSync(specFile, JSON.stringify(spec));
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', specFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    outputs.push('');
    child.stdout.on('data', (d) => {
      outputs[w] += String(d);
    });
    exits.push(
      new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          if (code !== 0 || !finishing)
            failWith(new Error(`worker ${w} exited (code ${code}, signal ${signal})`));
          resolve(code);
        }),
      ),
    );
  }

  const run = {
    runId: 'load',
    runSeed: '1',
    dataSeed: '1',
    optimizer: 'zo',
    lr,
    eps: EPS,
    directions: DIRECTIONS,
    distribution: 'gaussian',
    batchSize: 1,
    k,
    layoutFingerprint: '0000000000000000',
  };
  /** What the coordinator's link dropped (validation), for the deadline errors. */
  const dropped = () => {
    const counts = Object.entries(link.rejected).filter(([, n]) => n > 0);
    return counts.length === 0
      ? ''
      : `; the coordinator's link dropped ${JSON.stringify(Object.fromEntries(counts))}`;
  };
  const clientRound = new Map();
  const joinDeadline = Date.now() + joinTimeoutMs;
  let lastJoinAt = Date.now();
  while (clientRound.size < clients) {
    const { message } = await within(
      link.receive(),
      joinDeadline - Date.now(),
      () =>
        `${clientRound.size} of ${clients} clients joined in ${joinTimeoutMs / 1000} s${dropped()}`,
      failed,
    );
    if (message.type !== 'join' || clientRound.has(message.clientId)) continue;
    clientRound.set(message.clientId, message.round);
    aggregator.registerClient(message.clientId);
    await link.send(message.clientId, { v: 1, type: 'welcome', clientId: message.clientId, run });
    lastJoinAt = Date.now();
    if (clientRound.size % 1000 === 0)
      process.stderr.write(`  ${clientRound.size} joined (${(lastJoinAt - spawnedAt) / 1000} s)\n`);
  }
  process.stderr.write(
    `${clientRound.size} clients in ${workers} processes joined ${((lastJoinAt - spawnedAt) / 1000).toFixed(1)} s after spawning\n`,
  );
  const serverAfterJoin = serverPid === null ? null : procMemory(serverPid);
  const cpuAfterJoin = { coordinator: ownCpuSeconds(), server: serverCpu() };

  const latencies = [];
  const coordinatorRounds = [];
  let payloadUp = 0;
  let payloadUpMin = Number.POSITIVE_INFINITY;
  let payloadUpMax = 0;
  let payloadDown = 0;
  let updates = 0;
  /** How sampled clients caught up (the link's catch-up rule: logs or a θ snapshot). */
  const catchUps = { none: 0, logs: 0, theta: 0, bytes: 0 };
  /** Round-log frames stored on the broadcast stream (once per round, for every client). */
  let roundLogBytes = 0;
  const statsStart = { ...nc.stats() };
  const runStart = performance.now();
  let peakRss = process.memoryUsage().rss;
  const stepsOf = new Map(joining.map((id) => [id, steps]));
  for (let r = 0; r < rounds; r++) {
    const c = {
      sampled: 0,
      entries: 0,
      openRoundMs: 0,
      catchUpPlanMs: 0,
      sendMs: 0,
      roundLogMs: 0,
      submitMs: 0,
      closeRoundMs: 0,
      receiveWaitMs: 0,
    };
    const start = performance.now();
    const plan = aggregator.openRound(stepsOf);
    let t = performance.now();
    c.openRoundMs = t - start;
    c.sampled = plan.length;
    for (const a of plan) {
      const catchUp = aggregator.catchUpFor(clientRound.get(a.clientId));
      const t1 = performance.now();
      c.catchUpPlanMs += t1 - t;
      payloadDown += await link.send(a.clientId, {
        v: 1,
        type: 'announce',
        round: r,
        clientId: a.clientId,
        steps: a.steps,
        cursor: { epoch: 0, position: 0 },
        catchUp,
      });
      t = performance.now();
      c.sendMs += t - t1;
      clientRound.set(a.clientId, r);
      c.entries += a.steps * DIRECTIONS;
    }
    const counts = typeof link.takeCatchUpCounts === 'function' ? link.takeCatchUpCounts() : null;
    if (counts !== null) for (const key of Object.keys(catchUps)) catchUps[key] += counts[key];
    const got = new Set();
    const roundDeadline = Date.now() + roundTimeoutMs;
    while (got.size < plan.length) {
      const w0 = performance.now();
      const { message, bytes } = await within(
        link.receive(),
        roundDeadline - Date.now(),
        () =>
          `round ${r}: ${got.size} of ${plan.length} updates in ${roundTimeoutMs / 1000} s${dropped()}`,
        failed,
      );
      const w1 = performance.now();
      c.receiveWaitMs += w1 - w0;
      if (message.type !== 'update' || message.round !== r || got.has(message.clientId)) continue;
      aggregator.submit(message);
      c.submitMs += performance.now() - w1;
      got.add(message.clientId);
      payloadUp += bytes;
      payloadUpMin = Math.min(payloadUpMin, bytes);
      payloadUpMax = Math.max(payloadUpMax, bytes);
      updates++;
    }
    const c0 = performance.now();
    const { log } = await aggregator.closeRound();
    const c1 = performance.now();
    c.closeRoundMs = c1 - c0;
    // A transport that serves the catch-up itself gets each round's log once, as serve-run
    // hands it over (its clients fetch the logs they miss); older ones carry them in announces.
    if (typeof transport.roundClosed === 'function')
      roundLogBytes += await transport.roundClosed(log);
    const end = performance.now();
    c.roundLogMs = end - c1;
    latencies.push(end - start);
    coordinatorRounds.push(c);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - runStart) / 1000;
  const statsEnd = nc.stats();
  const serverAfterRounds = serverPid === null ? null : procMemory(serverPid);
  const cpuAfterRounds = { coordinator: ownCpuSeconds(), server: serverCpu() };
  finishing = true;
  for (const id of joining) {
    await link.send(id, {
      v: 1,
      type: 'finish',
      clientId: id,
      catchUp: { kind: 'none', round: rounds },
    });
  }
  await within(Promise.all(exits), 60_000, 'workers exit after finish', failed);
  const workerStats = outputs.map((out, w) => {
    const line = out.trim().split('\n').at(-1);
    if (line === undefined || line === '') throw new Error(`worker ${w} reported nothing`);
    return JSON.parse(line);
  });

  const sorted = [...latencies].sort((a, b) => a - b);
  // Per sampled client per round (with participation < 1 only the sampled clients do a round).
  const perClientRound = updates;
  const clientTotals = {
    inBytes: sum(workerStats.map((s) => s.inBytes)),
    outBytes: sum(workerStats.map((s) => s.outBytes)),
    socketOut: sum(workerStats.map((s) => s.socketOutDuringRounds)),
    socketUpdates: sum(workerStats.map((s) => s.updates)),
    lastLossSum: sum(workerStats.map((s) => s.lastLossSum)),
    lastLossCount: sum(workerStats.map((s) => s.lastLossCount)),
  };

  // Compute-bound figures: the direction-generation floor beside the measured round.
  const parallelism = Math.min(cores, workers);
  const rate = cal.drawsPerSecond;
  const perRound = coordinatorRounds.map((c, r) => {
    const w = workerStats.map((s) => s.rounds[r] ?? { stepMs: 0, catchUpMs: 0, catchUpDraws: 0 });
    const stepMs = w.map((x) => x.stepMs);
    const catchUpMs = w.map((x) => x.catchUpMs);
    const clientMaxProcess = max(w.map((x) => x.stepMs + x.catchUpMs));
    const aggregationMs = c.openRoundMs + c.submitMs + c.closeRoundMs;
    const clientDraws = c.entries * cal.fillsPerStep * k;
    const aggregationDraws = c.entries * k;
    return {
      round: r,
      wallMs: latencies[r],
      sampled: c.sampled,
      draws: {
        clients: clientDraws,
        aggregation: aggregationDraws,
        catchUp: sum(w.map((x) => x.catchUpDraws)),
      },
      floorMs: ((clientDraws + aggregationDraws) / (rate * parallelism)) * 1000,
      criticalPathFloorMs: (clientDraws / (rate * parallelism) + aggregationDraws / rate) * 1000,
      clientStepSumMs: sum(stepMs),
      clientStepMaxProcessMs: max(stepMs),
      clientCatchUpSumMs: sum(catchUpMs),
      clientCatchUpMaxProcessMs: max(catchUpMs),
      coordinatorAggregationMs: {
        openRound: c.openRoundMs,
        submit: c.submitMs,
        closeRound: c.closeRoundMs,
        total: aggregationMs,
      },
      coordinatorAnnounceMs: {
        catchUpPlan: c.catchUpPlanMs,
        send: c.sendMs,
        roundLog: c.roundLogMs,
      },
      coordinatorReceiveWaitMs: c.receiveWaitMs,
      remainderMs: latencies[r] - aggregationMs - clientMaxProcess,
    };
  });
  const meanOf = (f) => mean(perRound.map(f));
  const floorMs = meanOf((p) => p.floorMs);
  const wallMs = meanOf((p) => p.wallMs);
  const workerConnect = workerStats.map((s) => s.connectMs / 1000);
  const firstConnectAt = Math.min(...workerStats.map((s) => s.firstConnectAt));

  const report = {
    protocol,
    clients,
    participation,
    rounds,
    localSteps: steps,
    k,
    lr,
    roundsPerSecond: rounds / seconds,
    roundLatencyMs: {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1),
    },
    coordinatorPeakRssMiB: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / MiB,
    // One update: its frame (the payload), the frame with its Nats-Msg-Id header (what NATS
    // counts as message bytes), and the TCP bytes its client wrote for it: the JetStream publish,
    // i.e. the HPUB line (subject, reply inbox, sizes), the header and the frame.
    uplink: {
      payloadBytes: { mean: payloadUp / updates, min: payloadUpMin, max: payloadUpMax },
      natsMessageBytes: (statsEnd.inBytes - statsStart.inBytes) / updates,
      socketBytes: clientTotals.socketOut / Math.max(1, clientTotals.socketUpdates),
      gBytes: 4 * steps,
    },
    // CRC-32 of the final θ's bytes: --protocol 1 and 2 runs of one size end with the same θ.
    thetaCrc32: crc32Hex(m.crc32, aggregator.theta()),
    bytesPerClientPerRound: {
      protocolMinimumUp: 4 * steps,
      payloadUp: payloadUp / updates,
      // The announce and what the client fetched for its catch-up (round logs or a θ frame).
      payloadDown: payloadDown / perClientRound,
      // Stored once per round for every client: the round log (v2: 4 B per (client, step)).
      broadcastPerRound: roundLogBytes / rounds,
      protocolMinimumBroadcastPerRound: (4 * updates * steps * DIRECTIONS) / rounds,
      clientWireOut: clientTotals.outBytes / perClientRound,
      clientWireIn: clientTotals.inBytes / perClientRound,
      coordinatorWireIn: (statsEnd.inBytes - statsStart.inBytes) / perClientRound,
      coordinatorWireOut: (statsEnd.outBytes - statsStart.outBytes) / perClientRound,
    },
    // How the sampled clients caught up, summed over the rounds, and the bytes they fetched.
    catchUps,
    finalLossMean: clientTotals.lastLossSum / Math.max(1, clientTotals.lastLossCount),
    processes: workers,
    cores,
    users,
    join: {
      seconds: (lastJoinAt - firstConnectAt) / 1000,
      spawnToJoinedSeconds: (lastJoinAt - spawnedAt) / 1000,
      slowestWorkerConnectSeconds: max(workerConnect),
      connectConcurrencyPerWorker: connectConcurrency,
      serverStartSeconds,
    },
    // CPU seconds per phase: the join (spawning the workers to the last join; the workers' from
    // their first connect to their last join sent) and the rounds (first openRound to the last
    // closeRound); null where /proc cannot be read.
    cpuSeconds: {
      join: {
        coordinator: cpuAfterJoin.coordinator - cpuAtSpawn.coordinator,
        server: diff(cpuAfterJoin.server, cpuAtSpawn.server),
        workers: sum(workerStats.map((s) => s.connectCpuSeconds)),
        workersPerConnectionMs: (sum(workerStats.map((s) => s.connectCpuSeconds)) / clients) * 1000,
      },
      rounds: {
        coordinator: cpuAfterRounds.coordinator - cpuAfterJoin.coordinator,
        server: diff(cpuAfterRounds.server, cpuAfterJoin.server),
      },
      workersWholeRun: sum(workerStats.map((s) => s.cpuSeconds)),
    },
    workerPeakRssMiB: {
      max: max(workerStats.map((s) => s.peakRssMiB)),
      sum: sum(workerStats.map((s) => s.peakRssMiB)),
    },
    natsServer: {
      pid: serverPid,
      openFileLimit: serverFdLimit,
      afterJoin: serverAfterJoin,
      afterRounds: serverAfterRounds,
    },
    compute: {
      processes: workers,
      cores,
      parallelism,
      gaussianDrawsPerSecondPerCore: rate,
      directionFillsPerStep: cal.fillsPerStep,
      aggregationFillsPerEntry: 1,
      stepMsPerCore: cal.stepMs,
      // The clients' measured time per step (their exclusive compute / steps), beside stepMsPerCore.
      measuredStepMs:
        sum(workerStats.flatMap((s) => s.rounds.map((x) => x.stepMs))) /
        sum(workerStats.flatMap((s) => s.rounds.map((x) => x.steps))),
      drawsPerRound: {
        clients: meanOf((p) => p.draws.clients),
        aggregation: meanOf((p) => p.draws.aggregation),
        catchUp: meanOf((p) => p.draws.catchUp),
      },
      floorMsPerRound: floorMs,
      criticalPathFloorMsPerRound: meanOf((p) => p.criticalPathFloorMs),
      catchUpFloorMsPerRound: (meanOf((p) => p.draws.catchUp) / (rate * parallelism)) * 1000,
      // All sampled clients' whole steps (not only their fills), spread over the processes.
      stepFloorMsPerRound: meanOf((p) => (p.sampled * steps * cal.stepMs) / parallelism),
      roundWallMs: wallMs,
      wallOverFloor: wallMs / floorMs,
      breakdownMsPerRound: {
        clientStepSum: meanOf((p) => p.clientStepSumMs),
        clientStepMaxProcess: meanOf((p) => p.clientStepMaxProcessMs),
        clientCatchUpSum: meanOf((p) => p.clientCatchUpSumMs),
        clientCatchUpMaxProcess: meanOf((p) => p.clientCatchUpMaxProcessMs),
        coordinatorAggregation: {
          openRound: meanOf((p) => p.coordinatorAggregationMs.openRound),
          submit: meanOf((p) => p.coordinatorAggregationMs.submit),
          closeRound: meanOf((p) => p.coordinatorAggregationMs.closeRound),
          total: meanOf((p) => p.coordinatorAggregationMs.total),
        },
        coordinatorAnnounce: {
          catchUpPlan: meanOf((p) => p.coordinatorAnnounceMs.catchUpPlan),
          send: meanOf((p) => p.coordinatorAnnounceMs.send),
          roundLog: meanOf((p) => p.coordinatorAnnounceMs.roundLog),
        },
        remainder: meanOf((p) => p.remainderMs),
      },
    },
    perRound,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  await within(
    (async () => {
      await transport.close();
      await nc.close();
      await fx.close();
      await directionPool.close();
    })(),
    15_000,
    'closing the coordinator and the server',
    new Promise(() => {}),
  ).catch((e) => process.stderr.write(`${e.message}\n`));
  process.exit(0);
}

async function runWorker(spec) {
  // The parent kills its children and the server on exit; should it die without doing so
  // (SIGKILL), stop too, and take this run's nats-server down (the process whose command line
  // names this run's config file).
  setInterval(() => {
    if (process.ppid === spec.parentPid) return;
    try {
      const cmdline = readFileSync(`/proc/${spec.server.pid}/cmdline`, 'utf8');
      if (cmdline.includes(spec.server.configFile)) process.kill(spec.server.pid, 'SIGKILL');
    } catch {}
    rmSync(spec.server.dir, { recursive: true, force: true });
    rmSync(spec.bundle, { force: true });
    process.exit(3);
  }, 1000).unref();
  setTimeout(() => {
    process.stderr.write(`worker ${spec.worker}: timed out\n`);
    process.exit(2);
  }, spec.stopAt - Date.now()).unref();
  const fail = (what, e) => {
    process.stderr.write(`worker ${spec.worker}: ${what}: ${e?.stack ?? e}\n`);
    process.exit(1);
  };
  const m = await import(spec.bundle);
  const subjects = new m.RunSubjects(spec.run);
  const stepOptions = (run) => ({
    lr: run.lr,
    eps: run.eps,
    directions: run.directions,
    distribution: run.distribution,
    scalars: 'float32',
  });
  const table = sinTable(spec.k + Math.max(...spec.clients.map((c) => c.index)) + 1);
  // Warm up the generator and the step (JIT, WebAssembly) so that round 0 is not a warm-up.
  {
    const f = objective(table.subarray(0, spec.k));
    const warm = new m.ZoOptimizer(new Float32Array(spec.k), {
      ...stepOptions({
        lr: DEFAULT_LR,
        eps: EPS,
        directions: DIRECTIONS,
        distribution: 'gaussian',
      }),
    });
    const w0 = performance.now();
    for (let t = 0; t < 3 || performance.now() - w0 < 200; t++)
      await warm.step(async (v) => f(v), m.deriveSeed(9n, 0, 'warm', t));
  }
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
  const uplink = { start: -1, end: 0, updates: 0 };
  /** Per round: exclusive compute time of this process's clients, and catch-up replays. */
  const rounds = [];
  const roundStats = (r) => {
    while (rounds.length <= r) {
      rounds.push({ stepMs: 0, catchUpMs: 0, clients: 0, steps: 0, catchUpDraws: 0 });
    }
    return rounds[r];
  };
  // One client computes at a time: its catch-up and steps run without the others' interleaving
  // (they would at every await otherwise), so the times below are this process's CPU time.
  let turn = Promise.resolve();
  const exclusive = (fn) => {
    const next = turn.then(fn);
    turn = next.catch(() => {});
    return next;
  };
  const connections = [];
  let finished = 0;
  let lastLossSum = 0;
  let lastLossCount = 0;
  let resolveDone;
  const done = new Promise((resolve) => {
    resolveDone = resolve;
  });

  const startClient = async ({ id, index, options }) => {
    const nc = await m.connectToRun({ ...options, timeoutMs: 20_000 });
    connections.push(nc);
    const transport = new m.NatsTransport({
      nc,
      subjects,
      protocolVersions: spec.protocolVersions,
    });
    const link = transport.client(id);
    const f = objective(table.subarray(index, index + spec.k));
    /** θ at `round`, allocated at the first announce (most clients of a big run wait long). */
    let theta = null;
    let round = 0;
    let run = null;
    const onAnnounce = async (msg) => {
      if (uplink.start < 0) uplink.start = socketBytesOut;
      const g = new Float64Array(msg.steps);
      const losses = [];
      await exclusive(async () => {
        const stats = roundStats(msg.round);
        const c0 = performance.now();
        theta ??= new Float32Array(spec.k);
        if (msg.catchUp.kind === 'logs') {
          const logs = msg.catchUp.logs
            .map((b) => m.decodeReplayLog(b))
            .filter((l) => l.round >= round);
          for (const l of logs) stats.catchUpDraws += l.seeds.length * l.directions * spec.k;
          round = m.catchUp(theta, round, logs);
        } else if (msg.catchUp.kind === 'theta') {
          theta.set(msg.catchUp.theta);
          round = msg.catchUp.round;
        }
        const c1 = performance.now();
        const optimizer = new m.ZoOptimizer(theta.slice(), stepOptions(run));
        for (let t = 0; t < msg.steps; t++) {
          const res = await optimizer.step(async (v) => f(v), m.deriveSeed(1n, msg.round, id, t));
          g[t] = res.record.g;
          losses.push(res.loss);
        }
        const c2 = performance.now();
        stats.catchUpMs += c1 - c0;
        stats.stepMs += c2 - c1;
        stats.clients++;
        stats.steps += msg.steps;
      });
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
      uplink.updates++;
      uplink.end = socketBytesOut;
    };
    link.onMessage(async (msg) => {
      try {
        if (msg.type === 'welcome') run = msg.run;
        else if (msg.type === 'announce') await onAnnounce(msg);
        else if (msg.type === 'finish') {
          finished++;
          if (finished === spec.clients.length) resolveDone();
        }
      } catch (e) {
        fail(`client ${id}, ${msg.type}`, e);
      }
    });
    await link.send({ v: 1, type: 'join', clientId: id, numSamples: 1, round: 0 });
  };

  const firstConnectAt = Date.now();
  const cpuAtConnect = ownCpuSeconds();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(spec.connectConcurrency, spec.clients.length) }, async () => {
      while (next < spec.clients.length) await startClient(spec.clients[next++]);
    }),
  ).catch((e) => fail('connecting', e));
  const connectMs = Date.now() - firstConnectAt;
  const connectCpuSeconds = ownCpuSeconds() - cpuAtConnect;
  await done;
  let inBytes = 0;
  let outBytes = 0;
  for (const nc of connections) {
    const s = nc.stats();
    inBytes += s.inBytes;
    outBytes += s.outBytes;
  }
  process.stdout.write(
    `${JSON.stringify({
      worker: spec.worker,
      clients: spec.clients.length,
      inBytes,
      outBytes,
      socketOutDuringRounds: uplink.start < 0 ? 0 : uplink.end - uplink.start,
      updates: uplink.updates,
      lastLossSum,
      lastLossCount,
      firstConnectAt,
      connectMs,
      connectCpuSeconds,
      cpuSeconds: ownCpuSeconds(),
      peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
      rounds,
    })}\n`,
  );
  // Close politely, but never wait long: exiting closes the sockets anyway.
  const closing = Promise.allSettled(connections.map((nc) => nc.close()));
  await Promise.race([closing, new Promise((r) => setTimeout(r, 10_000))]);
  process.exit(0);
}

/** Set by main once it has started something to tear down. */
let failureCleanup = async () => {};

await main().catch(async (e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  await Promise.race([failureCleanup(), new Promise((r) => setTimeout(r, 10_000))]).catch(() => {});
  process.exit(1);
});
