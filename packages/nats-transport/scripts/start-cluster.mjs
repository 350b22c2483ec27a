#!/usr/bin/env node
// A three-node NATS JetStream cluster for a Meerkat run: writes the credentials (as
// `meerkat nats-init` does: one nkey seed per role, users.json) and one nats-server config per
// node (`renderNatsServerConfig` with `cluster { name, listen, routes }` and `server_name`),
// then starts the three servers on this machine and waits until JetStream answers on each
// (the cluster has a meta leader). Ctrl-C (SIGINT) or SIGTERM stops them.
//
//   node packages/nats-transport/scripts/start-cluster.mjs --run spam-run --clients 4 --dir nats-cluster
//        [--host 127.0.0.1] [--port 4222] [--cluster-port 6222] [--name meerkat]
//        [--hosts 10.0.0.1,10.0.0.2,10.0.0.3 --store-dir /var/lib/nats] [--tls-cert F --tls-key F [--ca F]]
//        [--write-only] [--force]
//
// One machine (default): node i listens on port+i and cluster-port+i of --host, its JetStream
// files in DIR/n<i+1>/jetstream. With --hosts (three machines), every node uses the same ports
// on its own host and `--store-dir` on its own disk; the script then only writes the configs
// (copy DIR/n<i>/nats-server.conf to machine i and run `nats-server -c nats-server.conf` there).
// A DIR that already holds the configs is started as it is (after a stop or a reboot); --force
// writes new credentials and configs over it.
//
// Needs the package built (`npx turbo run build --filter=@meerkat/nats-transport...`) and
// nats-server ≥ 2.9 ($NATS_SERVER, /usr/sbin/nats-server or nats-server on the PATH).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import {
  connectToRun,
  createOperatorFiles,
  RunSubjects,
  renderNatsServerConfig,
  runClientIds,
  runServerUsers,
  writeOperatorFiles,
} from '@meerkat/nats-transport';
import { jetstreamManager } from '@nats-io/jetstream';

const NODES = 3;
const READY_TIMEOUT_MS = 60_000;

const { values: args } = parseArgs({
  options: {
    run: { type: 'string' },
    clients: { type: 'string' },
    dir: { type: 'string', default: 'nats-cluster' },
    host: { type: 'string', default: '127.0.0.1' },
    hosts: { type: 'string' },
    port: { type: 'string', default: '4222' },
    'cluster-port': { type: 'string', default: '6222' },
    name: { type: 'string', default: 'meerkat' },
    'store-dir': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    ca: { type: 'string' },
    'write-only': { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

function usage(message) {
  if (message) process.stderr.write(`start-cluster: ${message}\n`);
  process.stderr.write(
    'usage: start-cluster.mjs --run RUN --clients N [--dir DIR] [--host HOST] [--port 4222] [--cluster-port 6222]\n' +
      '         [--name meerkat] [--hosts H1,H2,H3 --store-dir DIR] [--tls-cert FILE --tls-key FILE [--ca FILE]]\n' +
      '         [--write-only] [--force]\n',
  );
  process.exit(message ? 2 : 0);
}

if (args.help) usage();
const dir = resolve(args.dir);
const port = Number(args.port);
const clusterPort = Number(args['cluster-port']);
const hosts = args.hosts?.split(',').map((h) => h.trim()) ?? Array(NODES).fill(args.host);
if (hosts.length !== NODES) usage(`--hosts needs ${NODES} hosts, got ${hosts.length}`);
const oneMachine = new Set(hosts).size === 1;
if (!oneMachine && args['store-dir'] === undefined) {
  usage(
    '--hosts (one node per machine) needs --store-dir, the JetStream directory on each machine',
  );
}
if ((args['tls-cert'] === undefined) !== (args['tls-key'] === undefined)) {
  usage('--tls-cert and --tls-key go together');
}
/** Where clients reach a host: a wildcard listen address is reached on loopback. */
const reach = (host) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
const bracket = (host) => (host.includes(':') ? `[${host}]` : host);

const nodes = hosts.map((host, i) => {
  const name = `n${i + 1}`;
  const nodeDir = join(dir, name);
  return {
    name,
    host,
    port: oneMachine ? port + i : port,
    clusterPort: oneMachine ? clusterPort + i : clusterPort,
    configFile: join(nodeDir, 'nats-server.conf'),
    logFile: join(nodeDir, 'nats-server.log'),
    storeDir: args['store-dir'] ?? join(nodeDir, 'jetstream'),
    clusterListen: '',
    url: '',
  };
});
const routes = nodes.map((n) => `nats-route://${bracket(reach(n.host))}:${n.clusterPort}`);
const seedFile = (id) => join(dir, `${id}.seed`);

const haveConfigs =
  nodes.every((n) => existsSync(n.configFile)) && existsSync(seedFile('coordinator'));
if (!haveConfigs || args.force) {
  if (args.run === undefined || args.clients === undefined) {
    usage(
      '--run and --clients are needed to write a new cluster (or --dir with one written before)',
    );
  }
  const clientIds = runClientIds(Number(args.clients));
  const server = (n) => ({
    host: n.host,
    port: n.port,
    storeDir: n.storeDir,
    ...(args['tls-cert'] !== undefined
      ? { tls: { certFile: resolve(args['tls-cert']), keyFile: resolve(args['tls-key']) } }
      : {}),
    cluster: { name: args.name, serverName: n.name, port: n.clusterPort, routes },
  });
  // The seeds, users.json and node 1's config as `meerkat nats-init` writes them; nodes 2 and 3
  // get the same users.
  const first = createOperatorFiles({ run: args.run, clientIds, ...server(nodes[0]) });
  const subjects = new RunSubjects(args.run);
  const files = [
    ...first.files.map((f) =>
      f.name === 'nats-server.conf' ? { ...f, name: join(nodes[0].name, f.name) } : f,
    ),
    ...nodes.slice(1).map((n) => ({
      name: join(n.name, 'nats-server.conf'),
      text: renderNatsServerConfig({
        ...server(n),
        users: runServerUsers(subjects, first.identities),
      }),
      mode: 0o644,
    })),
  ];
  for (const n of nodes) mkdirSync(join(dir, n.name), { recursive: true });
  const written = writeOperatorFiles(dir, files, { overwrite: args.force });
  process.stdout.write(
    `wrote ${written.length} files in ${dir} (run ${args.run}, ${clientIds.length} clients)\n`,
  );
}

// What runs is what the configs say (a DIR written before may have other ports, hosts or TLS).
let caFile = args.ca !== undefined ? resolve(args.ca) : undefined;
for (const n of nodes) {
  const config = JSON.parse(readFileSync(n.configFile, 'utf8'));
  n.host = config.host;
  n.port = config.port;
  n.clusterListen = config.cluster?.listen ?? '';
  // A self-signed certificate is its own CA.
  if (config.tls !== undefined) caFile ??= config.tls.cert_file;
  n.url = `${config.tls !== undefined ? 'tls' : 'nats'}://${bracket(reach(n.host))}:${n.port}`;
}
const urls = nodes.map((n) => n.url).join(',');
for (const n of nodes) {
  process.stdout.write(
    `  ${n.name}  ${n.url}  routes ${n.clusterListen}  config ${n.configFile}\n`,
  );
}
if (args['write-only'] || new Set(nodes.map((n) => n.host)).size !== 1) {
  process.stdout.write(
    `start each node with: nats-server -c nats-server.conf   (clients: --nats ${urls})\n`,
  );
  process.exit(0);
}

const bin =
  process.env.NATS_SERVER ??
  (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');
let stopping = false;
const children = nodes.map((n) => {
  const log = openSync(n.logFile, 'a');
  const child = spawn(bin, ['-c', n.configFile], { stdio: ['ignore', 'ignore', log] });
  child.on('error', (e) => {
    process.stderr.write(`start-cluster: ${n.name}: ${e.message}\n`);
    stop(1);
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(
        `start-cluster: ${n.name} exited (${code ?? signal}); see ${n.logFile}. The other nodes keep running.\n`,
      );
    }
  });
  return child;
});

async function stop(code) {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise((done) => {
          if (c.exitCode !== null || c.signalCode !== null) return done();
          const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
          c.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
  process.stdout.write('stopped\n');
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

/** Until JetStream answers on `node` (its account info: the cluster has a meta leader). */
async function waitForJetStream(node, seed, deadline) {
  let last = null;
  while (Date.now() < deadline && !stopping) {
    let nc = null;
    try {
      nc = await connectToRun({
        servers: node.url,
        seed,
        name: 'start-cluster',
        reconnect: false,
        timeoutMs: 2000,
        ...(caFile !== undefined ? { caFile } : {}),
      });
      await (await jetstreamManager(nc, { checkAPI: false, timeout: 2000 })).getAccountInfo();
      return;
    } catch (e) {
      last = e;
    } finally {
      await nc?.close().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`JetStream on ${node.name} did not answer: ${last}`);
}

const started = Date.now();
const seed = readFileSync(seedFile('coordinator'), 'utf8').trim();
try {
  for (const n of nodes) await waitForJetStream(n, seed, started + READY_TIMEOUT_MS);
} catch (e) {
  process.stderr.write(
    `start-cluster: ${e.message}; the servers' logs are in ${dir}/n*/nats-server.log\n`,
  );
  await stop(1);
}
process.stdout.write(
  `ready: JetStream answers on all ${NODES} nodes (${((Date.now() - started) / 1000).toFixed(1)} s)\n` +
    `  --nats ${urls}\n` +
    `  seeds in ${dir} (coordinator.seed, observer.seed, <client-id>.seed)\n` +
    'Ctrl-C stops the servers.\n',
);
