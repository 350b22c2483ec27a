import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

import { connectToRun, type RunConnectionOptions } from '../connect.js';
import {
  createRunIdentities,
  type NatsIdentity,
  OBSERVER_INBOX_PREFIX,
  runServerUsers,
} from '../operator-files.js';
import { renderNatsServerConfig } from '../server-config.js';
import { RunSubjects } from '../subjects.js';
import { spawnNatsServer } from './spawn-nats-server.js';

const JETSTREAM_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const PROBE_STREAM = 'MEERKAT_FIXTURE_PROBE';

export interface NatsClusterFixtureOptions {
  readonly run: string;
  readonly clientIds: readonly string[];
  /** Nodes in the cluster (default 3). */
  readonly size?: number;
  /** The cluster's name (default `meerkat`). */
  readonly name?: string;
}

/** One nats-server of the cluster; its ports and storage stay the same across restarts. */
export interface NatsClusterNode {
  /** 0-based position in `nodes`. */
  readonly index: number;
  /** Its `server_name` (`n1`, `n2`, …): what stream info's `cluster.leader` names. */
  readonly serverName: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly storeDir: string;
  readonly configFile: string;
  /** `nats://127.0.0.1:<port>`. */
  url(): string;
  /** Server log lines so far (stderr, every start). */
  log(): readonly string[];
  /** Whether its process is up (not killed or stopped). */
  running(): boolean;
}

type Role = 'coordinator' | 'observer' | { clientId: string };

/**
 * A JetStream cluster of real nats-servers on 127.0.0.1 (`cluster { name, listen, routes }`,
 * `server_name`, one file-storage directory per node), with the users of the single-server
 * fixture. Connections get every node's URL, so they fail over when a node dies.
 */
export interface NatsClusterFixture {
  readonly dir: string;
  readonly subjects: RunSubjects;
  readonly coordinator: NatsIdentity;
  readonly observer: NatsIdentity;
  readonly clients: ReadonlyMap<string, NatsIdentity>;
  readonly nodes: readonly NatsClusterNode[];
  /** Every node's URL. */
  urls(): string[];
  /** Connection options for a role, with every node's URL (or only `node`'s). */
  connectOptions(role: Role, node?: number): RunConnectionOptions;
  connect(role: Role, node?: number): Promise<NatsConnection>;
  /** The node a connection is on now (by the server name it announced). */
  nodeOf(nc: NatsConnection): NatsClusterNode;
  /** The node leading a stream's replicas (stream info's `cluster.leader`). */
  streamLeader(stream: string): Promise<NatsClusterNode>;
  /**
   * Asks a stream's leader to step down (`$JS.API.STREAM.LEADER.STEPDOWN`) and waits until
   * another node leads it; returns that node.
   */
  stepDownStreamLeader(stream: string): Promise<NatsClusterNode>;
  /** Kills a node with SIGKILL (a crash) and waits for it to exit. */
  kill(node: number): Promise<void>;
  /**
   * Starts a killed (or running: stopped first) node again on the same ports and storage, and
   * waits until the cluster places streams on every node again.
   */
  restart(node: number): Promise<void>;
  /**
   * Waits until every running node answers JetStream API calls (the cluster has a meta leader)
   * and, with all nodes up, a stream with one replica per node can be created.
   */
  waitForJetStream(): Promise<void>;
  /** Stops every node (SIGTERM, then SIGKILL after 5 s) and deletes the directory. */
  close(): Promise<void>;
}

/** A port that was free a moment ago (the OS picks it; routes need fixed ports up front). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : -1;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a `size`-node (default 3) JetStream cluster on loopback ports and waits until it has a
 * meta leader and places a stream with `size` replicas.
 */
export async function startNatsClusterFixture(
  options: NatsClusterFixtureOptions,
): Promise<NatsClusterFixture> {
  const size = options.size ?? 3;
  const clusterName = options.name ?? 'meerkat';
  const dir = mkdtempSync(join(tmpdir(), 'meerkat-nats-cluster-'));
  const subjects = new RunSubjects(options.run);
  const identities = createRunIdentities(options.clientIds);
  const { coordinator, observer, clients } = identities;
  const users = runServerUsers(subjects, identities);
  const ports: number[] = [];
  while (ports.length < 2 * size) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const routes = ports.slice(size).map((p) => `nats-route://127.0.0.1:${p}`);

  interface NodeState extends NatsClusterNode {
    child: ChildProcess | null;
    readonly lines: string[];
  }
  const nodes: NodeState[] = Array.from({ length: size }, (_, index) => {
    const nodeDir = join(dir, `n${index + 1}`);
    mkdirSync(nodeDir, { recursive: true });
    const node: NodeState = {
      index,
      serverName: `n${index + 1}`,
      port: ports[index]!,
      clusterPort: ports[size + index]!,
      storeDir: join(nodeDir, 'jetstream'),
      configFile: join(nodeDir, 'nats-server.conf'),
      url: () => `nats://127.0.0.1:${node.port}`,
      log: () => node.lines,
      running: () =>
        node.child !== null && node.child.exitCode === null && node.child.signalCode === null,
      child: null,
      lines: [],
    };
    writeFileSync(
      node.configFile,
      renderNatsServerConfig({
        port: node.port,
        storeDir: node.storeDir,
        users,
        cluster: {
          name: clusterName,
          serverName: node.serverName,
          port: node.clusterPort,
          routes,
        },
      }),
    );
    return node;
  });

  const launch = (node: NodeState) => {
    const started = spawnNatsServer({
      configFile: node.configFile,
      lines: node.lines,
      maxLines: 20_000,
      name: node.serverName,
    });
    node.child = started.proc;
    return started.ready;
  };

  const stop = (node: NodeState, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const proc = node.child;
      if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.kill(signal);
    });

  const nodeAt = (index: number): NodeState => {
    const node = nodes[index];
    if (node === undefined) throw new Error(`the cluster has nodes 0…${size - 1}, not ${index}`);
    return node;
  };

  /** Retries `attempt` on one node until it succeeds or the deadline passes. */
  const untilJetStream = async (
    node: NodeState,
    what: string,
    attempt: (nc: NatsConnection) => Promise<void>,
  ) => {
    const deadline = Date.now() + JETSTREAM_TIMEOUT_MS;
    let last: unknown = null;
    while (Date.now() < deadline) {
      let nc: NatsConnection | null = null;
      try {
        nc = await connectToRun({
          servers: node.url(),
          seed: coordinator.seed,
          name: 'cluster-fixture',
          reconnect: false,
        });
        await attempt(nc);
        return;
      } catch (e) {
        last = e;
      } finally {
        await nc?.close().catch(() => {});
      }
      await sleep(200);
    }
    throw new Error(
      `JetStream on ${node.serverName} ${what} not within ${JETSTREAM_TIMEOUT_MS} ms: ${String(last)}`,
    );
  };

  const waitForJetStream = async () => {
    const up = nodes.filter((n) => n.running());
    for (const node of up) {
      await untilJetStream(node, 'answering', async (nc) => {
        const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 2000 });
        await jsm.getAccountInfo();
      });
    }
    if (up.length < size) return;
    // Every peer is current again when the meta leader places a stream on all of them.
    await untilJetStream(up[0]!, `placing ${size} replicas`, async (nc) => {
      const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 5000 });
      await jsm.streams.add({
        name: PROBE_STREAM,
        subjects: ['meerkat-fixture-probe'],
        storage: StorageType.Memory,
        num_replicas: size,
      });
      await jsm.streams.delete(PROBE_STREAM);
    });
  };

  /** Runs `fn` on a coordinator connection to every node, closed afterwards. */
  const asCoordinator = async <T>(fn: (nc: NatsConnection) => Promise<T>): Promise<T> => {
    const nc = await connectToRun({
      servers: nodes.map((n) => n.url()),
      seed: coordinator.seed,
      name: 'cluster-fixture',
    });
    try {
      return await fn(nc);
    } finally {
      await nc.close();
    }
  };

  try {
    await Promise.all(nodes.map(launch));
    await waitForJetStream();
  } catch (e) {
    await Promise.all(nodes.map((n) => stop(n, 'SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const fixture: NatsClusterFixture = {
    dir,
    subjects,
    coordinator,
    observer,
    clients,
    nodes,
    urls: () => nodes.map((n) => n.url()),
    connectOptions(role, node) {
      const servers = node === undefined ? fixture.urls() : [nodeAt(node).url()];
      if (role === 'coordinator') return { servers, seed: coordinator.seed, name: 'coordinator' };
      if (role === 'observer') {
        return {
          servers,
          seed: observer.seed,
          inboxPrefix: OBSERVER_INBOX_PREFIX,
          name: 'observer',
        };
      }
      const c = clients.get(role.clientId);
      if (c === undefined) throw new Error(`fixture has no client ${role.clientId}`);
      return { servers, seed: c.seed, clientId: role.clientId };
    },
    connect: (role, node) => connectToRun(fixture.connectOptions(role, node)),
    nodeOf(nc) {
      const name = nc.info?.server_name;
      const node = nodes.find((n) => n.serverName === name);
      if (node === undefined)
        throw new Error(`the connection is on no node of the cluster (${name})`);
      return node;
    },
    streamLeader: (stream) =>
      asCoordinator(async (nc) => {
        const info = await (await jetstreamManager(nc)).streams.info(stream);
        const node = nodes.find((n) => n.serverName === info.cluster?.leader);
        if (node === undefined) {
          throw new Error(
            `stream ${stream} has no leader in the cluster (${info.cluster?.leader})`,
          );
        }
        return node;
      }),
    async stepDownStreamLeader(stream) {
      const before = await fixture.streamLeader(stream);
      await asCoordinator(async (nc) => {
        const reply = await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, '', {
          timeout: 5000,
        });
        const body = reply.json<{ error?: { description?: string } }>();
        if (body.error !== undefined) {
          throw new Error(`stream ${stream} leader step-down: ${body.error.description}`);
        }
      });
      const deadline = Date.now() + JETSTREAM_TIMEOUT_MS;
      while (Date.now() < deadline) {
        const now = await fixture.streamLeader(stream).catch(() => null);
        if (now !== null && now !== before) return now;
        await sleep(100);
      }
      throw new Error(`stream ${stream} got no new leader in ${JETSTREAM_TIMEOUT_MS} ms`);
    },
    kill: (index) => stop(nodeAt(index), 'SIGKILL'),
    async restart(index) {
      const node = nodeAt(index);
      await stop(node, 'SIGTERM');
      await launch(node);
      await waitForJetStream();
    },
    waitForJetStream,
    async close() {
      await Promise.all(nodes.map((n) => stop(n, 'SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}
