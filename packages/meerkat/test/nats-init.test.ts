import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine } from '@meerkat/cli-kit';
import { tinyModelFiles } from '@meerkat/lm/testing';
import {
  connectToRun,
  OBSERVER_INBOX_PREFIX,
  RunSubjects,
  runClientIds,
} from '@meerkat/nats-transport';
import { makeTestCertificate, NATS_SERVER_BIN } from '@meerkat/nats-transport/testing';
import { loadTaskSplit, parseRunConfig, partitionClients } from '@meerkat/trainer';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '@meerkat/trainer/testing';
import { connect, type NatsConnection, PermissionViolationError } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/commands/index.js';
import { starterRunConfig } from '../src/cli/commands/nats/starter-config.js';
import { runCli } from '../src/cli/run-cli.js';
import { memoryIo } from './memory-io.js';

const RECIPE = fileURLToPath(new URL('../recipes/coordinator.json', import.meta.url));
const SEEDS = ['coordinator', 'observer', 'client-000', 'client-001', 'client-002'];

/** A TCP port nothing listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const servers: ChildProcess[] = [];

/** Starts `nats-server -c FILE` and waits until it says it is ready. */
function startNatsServer(configFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(NATS_SERVER_BIN, ['-c', configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    servers.push(child);
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server not ready:\n${log}`)), 10_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code}):\n${log}`));
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      log += chunk;
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** The first permission violation the connection reports within `ms`, or null. */
async function nextPermissionError(
  nc: NatsConnection,
  ms: number,
): Promise<PermissionViolationError | null> {
  const timeout = new Promise<null>((r) => setTimeout(() => r(null), ms));
  const watch = (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error' && s.error instanceof PermissionViolationError) return s.error;
    }
    return null;
  })();
  return Promise.race([watch, timeout]);
}

/** Runs `meerkat ARGV` in-process in `cwd`. */
async function meerkat(cwd: string, argv: readonly string[]) {
  const io = memoryIo(cwd);
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

/** The `meerkat …` lines of nats-init's output, as argv (the test's paths need no quoting). */
function printedCommands(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('meerkat '))
    .map((l) => l.split(' ').slice(1));
}

const fileMode = (path: string) => statSync(path).mode & 0o777;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meerkat-nats-init-'));
  mkdirSync(join(dir, 'model'));
  for (const [name, bytes] of Object.entries(tinyModelFiles())) {
    writeFileSync(join(dir, 'model', name), bytes);
  }
});

afterAll(async () => {
  await Promise.all(
    servers.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe('meerkat nats-init', () => {
  let port: number;
  let url: string;
  const ops = (...names: string[]) => join(dir, 'ops', ...names);
  const seed = (id: string) => readFileSync(ops(`${id}.seed`), 'utf8');
  const argv = () => [
    'nats-init',
    '--run',
    'spam-run',
    '--clients',
    '3',
    '--out',
    'ops',
    '--listen',
    `127.0.0.1:${port}`,
    '--model',
    'model',
  ];

  beforeAll(async () => {
    port = await freePort();
    url = `nats://127.0.0.1:${port}`;
  });

  it('writes a seed per identity (mode 0600), users.json, nats-server.conf and coordinator.json, and prints the commands to run next', async () => {
    const r = await meerkat(dir, argv());
    expect(r.code, r.err).toBe(0);
    for (const id of SEEDS) {
      expect(fileMode(ops(`${id}.seed`)), id).toBe(0o600);
      expect(seed(id)).toMatch(/^SU[A-Z2-7]{56}\n$/);
    }
    for (const name of ['users.json', 'nats-server.conf', 'coordinator.json']) {
      expect(fileMode(ops(name)), name).toBe(0o644);
    }
    const users = JSON.parse(readFileSync(ops('users.json'), 'utf8')) as Record<
      string,
      { role: string; nkey: string }
    >;
    expect(Object.keys(users)).toEqual(SEEDS);
    expect(Object.values(users).map((u) => u.role)).toEqual([
      'coordinator',
      'observer',
      'client',
      'client',
      'client',
    ]);
    for (const u of Object.values(users)) expect(u.nkey).toMatch(/^U[A-Z2-7]{55}$/);

    const conf = JSON.parse(readFileSync(ops('nats-server.conf'), 'utf8'));
    expect(conf).toMatchObject({
      host: '127.0.0.1',
      port,
      jetstream: { store_dir: ops('jetstream') },
    });
    expect(conf.tls).toBeUndefined();
    expect(conf.accounts.MEERKAT.users.map((u: { nkey: string }) => u.nkey)).toEqual(
      Object.values(users).map((u) => u.nkey),
    );

    // The shipped recipe config, with the model directory --model resolved to.
    expect(JSON.parse(readFileSync(ops('coordinator.json'), 'utf8'))).toEqual({
      ...JSON.parse(readFileSync(RECIPE, 'utf8')),
      model: join(dir, 'model'),
    });

    const connection = `--nats ${url}`;
    expect(r.out).toContain(
      [
        '# the server',
        'nats-server -c ops/nats-server.conf',
        '# the coordinator',
        `meerkat serve ${connection} --seed-file ops/coordinator.seed --config ops/coordinator.json`,
        '# each client, on its own machine (with its seed file and the same model; --data FILE for its own examples)',
        ...['client-000', 'client-001', 'client-002'].map(
          (id) =>
            `meerkat join ${connection} --seed-file ops/${id}.seed --run spam-run --client-id ${id} --model model`,
        ),
        '# anyone with the observer seed',
        `meerkat status ${connection} --seed-file ops/observer.seed --run spam-run`,
      ].join('\n'),
    );
    // Every printed command line is a valid command line of its command.
    const printed = printedCommands(r.out);
    expect(printed.map((words) => words[0])).toEqual(['serve', 'join', 'join', 'join', 'status']);
    for (const [name, ...words] of printed) {
      const command = COMMANDS.find((c) => c.spec.name === name)!;
      expect(() => parseCommandLine(command.spec, words)).not.toThrow();
    }
    // Listening on loopback without TLS is no warning; the client ids are the trainer's.
    expect(r.err).toBe('');
    expect(runClientIds(3)).toEqual(['client-000', 'client-001', 'client-002']);
  });

  it('starts a real nats-server, and each seed connects with the permissions of its role', async () => {
    await startNatsServer(ops('nats-server.conf'));
    const subjects = new RunSubjects('spam-run');
    const client = (id: string) =>
      connectToRun({ servers: url, seed: seed(id), clientId: id, reconnect: false });
    const coordinator = await connectToRun({
      servers: url,
      seed: seed('coordinator'),
      name: 'coordinator',
      reconnect: false,
    });
    try {
      // A client publishes on its own update subject and the coordinator receives it.
      const updates = coordinator.subscribe(subjects.updateWildcard, { max: 1 });
      await coordinator.flush();
      const c0 = await client('client-000');
      const quiet = nextPermissionError(c0, 500);
      c0.subscribe(subjects.down('client-000'));
      c0.subscribe(subjects.broadcastWildcard);
      c0.publish(subjects.update('client-000'), 'u');
      await c0.flush();
      for await (const m of updates) expect(m.subject).toBe(subjects.update('client-000'));
      expect(await quiet).toBeNull();
      await c0.close();

      // It may not publish as another client, nor read another client's inbox or downlink.
      for (const [operation, act] of [
        ['publish', (nc: NatsConnection) => nc.publish(subjects.update('client-001'), 'forged')],
        ['subscription', (nc: NatsConnection) => nc.subscribe('_INBOX_client-001.>')],
        ['subscription', (nc: NatsConnection) => nc.subscribe(subjects.down('client-001'))],
      ] as const) {
        const nc = await client('client-000');
        const seen = nextPermissionError(nc, 3000);
        act(nc);
        const err = await seen;
        expect(err?.operation).toBe(operation);
        await nc.close();
      }

      // The observer hears heartbeats and publishes nothing else.
      const observer = await connectToRun({
        servers: url,
        seed: seed('observer'),
        inboxPrefix: OBSERVER_INBOX_PREFIX,
        reconnect: false,
      });
      const fine = nextPermissionError(observer, 500);
      observer.subscribe(subjects.presenceWildcard);
      await observer.flush();
      expect(await fine).toBeNull();
      const refused = nextPermissionError(observer, 3000);
      observer.publish(subjects.update('client-000'), 'forged');
      expect((await refused)?.operation).toBe('publish');
      await observer.close();

      // No credentials, no connection.
      await expect(connect({ servers: url, reconnect: false, timeout: 3000 })).rejects.toThrow(
        /Authorization Violation/i,
      );
    } finally {
      await coordinator.close();
    }
  }, 30_000);

  it('refuses to overwrite the files unless --force, which writes new seeds (0600 again)', async () => {
    const before = seed('client-000');
    const again = await meerkat(dir, argv());
    expect(again.code).toBe(2);
    expect(again.err).toMatch(
      /^meerkat nats-init: ops already holds coordinator\.seed, observer\.seed, client-000\.seed, client-001\.seed, client-002\.seed, users\.json, nats-server\.conf, coordinator\.json; pass --force to replace them \(new credentials\), or choose another --out \(see meerkat nats-init --help\)\n$/,
    );
    expect(seed('client-000')).toBe(before);

    chmodSync(ops('client-000.seed'), 0o644);
    const forced = await meerkat(dir, [...argv(), '--force']);
    expect(forced.code, forced.err).toBe(0);
    expect(seed('client-000')).not.toBe(before);
    for (const id of SEEDS) expect(fileMode(ops(`${id}.seed`)), id).toBe(0o600);
  });

  it('with --tls-cert and --tls-key: a TLS server, and tls:// and --ca in the printed commands; --jetstream-dir', async () => {
    const tlsDir = join(dir, 'certs');
    mkdirSync(tlsDir);
    const cert = makeTestCertificate(tlsDir);
    const tlsPort = await freePort();
    const r = await meerkat(dir, [
      'nats-init',
      '--run',
      'tls-run',
      '--clients',
      '1',
      '--out',
      'tls-ops',
      '--listen',
      `127.0.0.1:${tlsPort}`,
      '--tls-cert',
      'certs/server-cert.pem',
      '--tls-key',
      'certs/server-key.pem',
      '--jetstream-dir',
      'tls-js',
      '--model',
      'model',
    ]);
    expect(r.code, r.err).toBe(0);
    const conf = JSON.parse(readFileSync(join(dir, 'tls-ops', 'nats-server.conf'), 'utf8'));
    expect(conf.tls).toEqual({ cert_file: cert.certFile, key_file: cert.keyFile, timeout: 2 });
    expect(conf.jetstream.store_dir).toBe(join(dir, 'tls-js'));
    const tlsUrl = `tls://127.0.0.1:${tlsPort}`;
    expect(r.out).toContain(
      `meerkat join --nats ${tlsUrl} --ca certs/server-cert.pem --seed-file tls-ops/client-000.seed --run tls-run --client-id client-000 --model model\n`,
    );
    await startNatsServer(join(dir, 'tls-ops', 'nats-server.conf'));
    const nc = await connectToRun({
      servers: tlsUrl,
      caFile: cert.caFile,
      seed: readFileSync(join(dir, 'tls-ops', 'client-000.seed'), 'utf8'),
      clientId: 'client-000',
      reconnect: false,
    });
    await nc.flush();
    await nc.close();
  }, 30_000);

  it('bad command lines are usage errors (exit 2) naming the flag', async () => {
    const base = ['nats-init', '--run', 'r', '--clients', '2', '--out', 'bad', '--model', 'model'];
    const cases: [string[], string][] = [
      [['--listen', '4222'], '--listen must be HOST:PORT'],
      [['--listen', '0.0.0.0:70000'], '--listen must be HOST:PORT'],
      [['--tls-cert', 'certs/server-cert.pem'], '--tls-cert needs --tls-key'],
      [['--ca', 'certs/server-cert.pem'], '--ca is the CA of a TLS server'],
      [
        ['--tls-cert', 'nope.pem', '--tls-key', 'certs/server-key.pem'],
        'MEERKAT_FILE_NOT_FOUND: --tls-cert',
      ],
    ];
    for (const [extra, message] of cases) {
      const r = await meerkat(dir, [...base, ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.err).toContain(`meerkat nats-init: ${message}`);
    }
    const badRun = await meerkat(dir, ['nats-init', '--run', 'a.b', '--clients', '1']);
    expect(badRun.code).toBe(2);
    expect(badRun.err).toContain('MEERKAT_CONFIG_INVALID: The run id "a.b" is not allowed');
    const noClients = await meerkat(dir, ['nats-init', '--run', 'r', '--clients', '0']);
    expect(noClients.code).toBe(2);
    expect(noClients.err).toContain('--clients must be an integer ≥ 1');
  });
});

describe('recipes/coordinator.json', () => {
  it('is the config nats-init writes for --run spam-run --clients 3, with the model by name', () => {
    expect(JSON.parse(readFileSync(RECIPE, 'utf8'))).toEqual(
      starterRunConfig({ run: 'spam-run', clients: 3, model: 'stories15M' }),
    );
  });

  it('parses, and its partition deals SpamAssassin to its 3 clients (the default partition cannot)', () => {
    const raw = JSON.parse(readFileSync(RECIPE, 'utf8')) as Record<string, unknown>;
    const baseDir = join(RECIPE, '..');
    const config = parseRunConfig(raw, { baseDir });
    expect(config).toMatchObject({ method: 'meerkat', clients: 3, partition: { kind: 'iid' } });
    expect(basename(config.runDir)).toBe('spam-run');
    if (config.task.kind !== 'classification') throw new Error('a classification task');
    const seed = BigInt(config.seed);
    const split = loadTaskSplit(config.task, Object.keys(config.task.verbalizer), seed);
    const partition = partitionClients(config, split, seed);
    expect(partition.clients.map((c) => c.clientId)).toEqual(runClientIds(3));
    const sizes = partition.clients.map((c) => c.indices.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(split.train.length);
    for (const size of sizes) expect(size).toBeGreaterThan(1000);

    const { partition: _, ...withDefault } = raw;
    let error: unknown;
    try {
      partitionClients(parseRunConfig(withDefault, { baseDir }), split, seed);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'FED_PARTITION_INFEASIBLE' });
  });

  it('client ids are the trainer’s partition ids for any count', () => {
    const ids = runClientIds(1001);
    expect([ids[0], ids[999], ids[1000]]).toEqual(['client-0000', 'client-0999', 'client-1000']);
  });

  it.skipIf(!HAVE_STORIES)(
    `runs as the recipe says: nats-init, nats-server, then the printed serve, join and status commands (stories260K, 1 round)${STORIES_SKIP_NOTE}`,
    async () => {
      const e2ePort = await freePort();
      const init = await meerkat(dir, [
        'nats-init',
        '--run',
        'e2e-run',
        '--clients',
        '3',
        '--out',
        'e2e',
        '--listen',
        `127.0.0.1:${e2ePort}`,
        '--model',
        STORIES_DIR,
      ]);
      expect(init.code, init.err).toBe(0);
      const configFile = join(dir, 'e2e', 'coordinator.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8'));
      writeFileSync(
        configFile,
        JSON.stringify({ ...config, rounds: 1, evaluation: { every: 1, testSize: 16 } }),
      );
      await startNatsServer(join(dir, 'e2e', 'nats-server.conf'));
      const [serve, ...rest] = printedCommands(init.out);
      const joins = rest.filter((words) => words[0] === 'join');
      const status = rest.find((words) => words[0] === 'status')!;
      const results = await Promise.all([serve!, ...joins].map((words) => meerkat(dir, words)));
      for (const r of results) expect(r.code, r.err).toBe(0);
      const shown = await meerkat(dir, [...status, '--listen', '0', '--json']);
      expect(shown.code, shown.err).toBe(0);
      expect(JSON.parse(shown.out)).toMatchObject({
        run: 'e2e-run',
        state: { status: 'finished', round: 1, rounds: 1, clients: runClientIds(3) },
      });
      expect(statSync(join(dir, 'e2e', 'e2e-run', 'theta.bin')).isFile()).toBe(true);
    },
    180_000,
  );
});
