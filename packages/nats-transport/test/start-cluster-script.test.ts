import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToRun } from '../src/connect.js';
import { ensureRunStreams } from '../src/run-streams.js';
import { RunSubjects } from '../src/subjects.js';
import { DEFAULT_UPLINK_LIMITS } from '../src/uplink-limits.js';
import { bundleForNode } from './child-bundle.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** scripts/start-cluster.mjs bundled with the package's sources, so it runs without a build. */
function bundleScript(): Promise<string> {
  return bundleForNode(`${packageRoot}scripts/start-cluster.mjs`, 'start-cluster');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port with it and the next 2 free, for the three nodes. */
async function threeFreePorts(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const free = await Promise.all([0, 1, 2].map((i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

/** Runs the script until its `ready:` line (or its exit); the process keeps running. */
function startScript(script: string, args: readonly string[]) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      stdout += String(d);
      if (stdout.includes('\nready:')) resolve();
    });
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    void exited.then((code) => reject(new Error(`script exited ${code}:\n${stdout}\n${stderr}`)));
  });
  return { child, ready, exited, output: () => `${stdout}${stderr}` };
}

describe('scripts/start-cluster.mjs', () => {
  let script: string;
  let dir: string;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    script = await bundleScript();
    dir = mkdtempSync(join(tmpdir(), 'meerkat-start-cluster-'));
  }, 30_000);

  afterAll(async () => {
    // SIGTERM lets a script still running stop its servers; SIGKILL would orphan them.
    await Promise.all(
      running.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
            c.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }, 15_000);

  it('writes three node configs and the seeds, starts a JetStream cluster, stops on SIGINT, starts again on its storage', async () => {
    const port = await threeFreePorts();
    const clusterPort = await threeFreePorts();
    const clusterDir = join(dir, 'cluster');
    const first = startScript(script, [
      '--run',
      'run',
      '--clients',
      '2',
      '--dir',
      clusterDir,
      '--port',
      String(port),
      '--cluster-port',
      String(clusterPort),
    ]);
    running.push(first.child);
    await first.ready;
    const routes = [0, 1, 2].map((i) => `nats-route://127.0.0.1:${clusterPort + i}`);
    for (const i of [0, 1, 2]) {
      const config = JSON.parse(
        readFileSync(join(clusterDir, `n${i + 1}`, 'nats-server.conf'), 'utf8'),
      );
      expect(config.server_name).toBe(`n${i + 1}`);
      expect(config.port).toBe(port + i);
      expect(config.cluster).toEqual({
        name: 'meerkat',
        listen: `127.0.0.1:${clusterPort + i}`,
        routes,
      });
      expect(config.jetstream.store_dir).toBe(join(clusterDir, `n${i + 1}`, 'jetstream'));
    }
    const users = JSON.parse(readFileSync(join(clusterDir, 'users.json'), 'utf8'));
    expect(Object.keys(users).sort()).toEqual([
      'client-000',
      'client-001',
      'coordinator',
      'observer',
    ]);
    const servers = [0, 1, 2].map((i) => `nats://127.0.0.1:${port + i}`);
    expect(first.output()).toContain(`--nats ${servers.join(',')}`);
    const subjects = new RunSubjects('run');
    const seed = (id: string) => readFileSync(join(clusterDir, `${id}.seed`), 'utf8');

    // The coordinator's seed works on every node, and a stream gets 3 copies.
    const nc = await connectToRun({ servers, seed: seed('coordinator') });
    await ensureRunStreams(
      await jetstreamManager(nc),
      subjects,
      DEFAULT_UPLINK_LIMITS.maxMessageBytes,
      { replicas: 3 },
    );
    const info = await (await jetstreamManager(nc)).streams.info(subjects.updateStream);
    expect(info.config.num_replicas).toBe(3);
    expect(info.cluster?.replicas).toHaveLength(2);
    await nc.close();
    // A client's seed may publish its own update.
    const client = await connectToRun({
      servers,
      seed: seed('client-000'),
      clientId: 'client-000',
    });
    const ack = await jetstream(client).publish(subjects.update('client-000'), 'x');
    expect(ack.stream).toBe(subjects.updateStream);
    await client.close();

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('stopped');

    // Started again with only --dir: the same configs and the stream kept on disk.
    const again = startScript(script, ['--dir', clusterDir]);
    running.push(again.child);
    await again.ready;
    expect(again.output()).not.toContain('wrote');
    const nc2 = await connectToRun({ servers, seed: seed('coordinator') });
    // The stream's own leader is elected after the meta leader: ask until it answers.
    const jsm2 = await jetstreamManager(nc2);
    let kept = await jsm2.streams.info(subjects.updateStream).catch(() => null);
    for (let i = 0; i < 100 && kept?.cluster?.leader === undefined; i++) {
      await new Promise((r) => setTimeout(r, 200));
      kept = await jsm2.streams.info(subjects.updateStream).catch(() => null);
    }
    expect(kept?.config.num_replicas).toBe(3);
    expect(kept?.state.messages).toBe(1);
    await nc2.close();
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 60_000);
});
