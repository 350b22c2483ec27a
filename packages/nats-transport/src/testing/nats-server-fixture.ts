import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

export { NATS_SERVER_BIN } from './spawn-nats-server.js';

import {
  type CertificateNames,
  makeTestCertificate,
  type TestCertificate,
} from './tls-certificate.js';

const STOP_TIMEOUT_MS = 5_000;

export interface NatsFixtureOptions {
  readonly run: string;
  readonly clientIds: readonly string[];
  /**
   * Require TLS with a certificate made by openssl in the fixture's directory: `true` for the
   * default names (CN=localhost, SAN IP:127.0.0.1), or the certificate's subject and SAN.
   */
  readonly tls?: boolean | CertificateNames;
  readonly maxPayload?: number;
}

export type { NatsIdentity } from '../operator-files.js';

/** A real nats-server on 127.0.0.1 with JetStream file storage in a temporary directory. */
export interface NatsFixture {
  readonly dir: string;
  readonly storeDir: string;
  readonly configFile: string;
  readonly subjects: RunSubjects;
  readonly coordinator: NatsIdentity;
  readonly observer: NatsIdentity;
  readonly clients: ReadonlyMap<string, NatsIdentity>;
  readonly certificate: TestCertificate | null;
  /** The port; it stays the same across restarts. */
  port(): number;
  /** `nats://127.0.0.1:<port>` or `tls://127.0.0.1:<port>`. */
  url(): string;
  /** Server log lines so far (stderr). */
  log(): readonly string[];
  /** The server process's pid (e.g. to read its memory in /proc), or null while it is not running. */
  pid(): number | null;
  /** Connection options for a role (TLS CA included when TLS is on). */
  connectOptions(role: 'coordinator' | 'observer' | { clientId: string }): RunConnectionOptions;
  connect(role: 'coordinator' | 'observer' | { clientId: string }): Promise<NatsConnection>;
  /** Kills the server with SIGKILL (a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and storage directory. */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and deletes the directory. */
  close(): Promise<void>;
}

/** Starts nats-server with a generated config (nkey users with subject permissions). */
export async function startNatsFixture(options: NatsFixtureOptions): Promise<NatsFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'meerkat-nats-'));
  const storeDir = join(dir, 'jetstream');
  const configFile = join(dir, 'nats-server.conf');
  const subjects = new RunSubjects(options.run);
  const identities = createRunIdentities(options.clientIds);
  const { coordinator, observer, clients } = identities;
  const certificate =
    options.tls === true
      ? makeTestCertificate(dir)
      : options.tls
        ? makeTestCertificate(dir, options.tls)
        : null;
  const lines: string[] = [];
  let port = -1;
  let child: ChildProcess | null = null;

  const writeConfig = () => {
    writeFileSync(
      configFile,
      renderNatsServerConfig({
        port,
        storeDir,
        users: runServerUsers(subjects, identities),
        ...(certificate !== null
          ? { tls: { certFile: certificate.certFile, keyFile: certificate.keyFile } }
          : {}),
        ...(options.maxPayload !== undefined ? { maxPayload: options.maxPayload } : {}),
      }),
    );
  };

  const launch = () => {
    writeConfig();
    const started = spawnNatsServer({
      configFile,
      lines,
      maxLines: 5000,
      onLine: (line) => {
        const m = /Listening for client connections on [^\s]*:(\d+)/.exec(line);
        if (m !== null) port = Number(m[1]);
      },
    });
    child = started.proc;
    return started.ready;
  };

  const waitExit = (proc: ChildProcess, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.kill(signal);
    });

  await launch();

  const fixture: NatsFixture = {
    dir,
    storeDir,
    configFile,
    subjects,
    coordinator,
    observer,
    clients,
    certificate,
    port: () => port,
    url: () => `${certificate !== null ? 'tls' : 'nats'}://127.0.0.1:${port}`,
    log: () => lines,
    pid() {
      const proc = child as ChildProcess | null;
      if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return null;
      return proc.pid ?? null;
    },
    connectOptions(role) {
      const base = {
        servers: fixture.url(),
        ...(certificate !== null ? { caFile: certificate.caFile } : {}),
      };
      if (role === 'coordinator') return { ...base, seed: coordinator.seed, name: 'coordinator' };
      if (role === 'observer') {
        return {
          ...base,
          seed: observer.seed,
          inboxPrefix: OBSERVER_INBOX_PREFIX,
          name: 'observer',
        };
      }
      const c = clients.get(role.clientId);
      if (c === undefined) throw new Error(`fixture has no client ${role.clientId}`);
      return { ...base, seed: c.seed, clientId: role.clientId };
    },
    connect: (role) => connectToRun(fixture.connectOptions(role)),
    async kill() {
      if (child !== null) await waitExit(child, 'SIGKILL');
    },
    async restart() {
      if (child !== null) await waitExit(child, 'SIGTERM');
      await launch();
    },
    async close() {
      if (child !== null) await waitExit(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}
