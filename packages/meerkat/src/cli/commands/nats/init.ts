import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, relative } from 'node:path';
import { type CliCommand, CliUsageError, type ParsedArgs } from '@meerkat/cli-kit';
import {
  createOperatorFiles,
  existingOperatorFiles,
  type OperatorFile,
  runClientIds,
  writeOperatorFiles,
} from '@meerkat/nats-transport';
import { MeerkatError } from '@meerkat/trainer';
import type { MeerkatIo } from '../../cli-io.js';
import { isModelName, resolveModelArg } from '../../model-arg.js';
import { resolvePath } from '../../paths.js';
import type { MeerkatCliCode } from '../../usage-codes.js';
import { starterRunConfig } from './starter-config.js';

const DEFAULT_MODEL = 'stories15M';
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/** `HOST:PORT` (`[::]:4222` for IPv6) → host and port, or a usage error. */
function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(value);
  const port = m === null ? Number.NaN : Number(m[3]);
  if (m === null || port < 1 || port > 65535) {
    throw new CliUsageError(
      'CLI_INVALID_VALUE',
      `--listen must be HOST:PORT with a port from 1 to 65535 (0.0.0.0:4222, 127.0.0.1:4222, [::]:4222), got ${JSON.stringify(value)}`,
    );
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

/** A word the shell reads back as itself. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A file given on the command line that must exist (a typed error naming the flag if not). */
function existingFile(io: MeerkatIo, args: ParsedArgs, flag: string): string | undefined {
  const value = args.optionalString(flag);
  if (value === undefined) return undefined;
  const path = resolvePath(io, value);
  if (!existsSync(path)) {
    throw new MeerkatError(
      'MEERKAT_FILE_NOT_FOUND',
      `--${flag} ${path}: no such file; make the server's certificate and key first (openssl req -x509 …, see the meerkat README, "Running a job on several machines").`,
    );
  }
  return path;
}

export const natsInitCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'nats-init',
    summary:
      'Make the credentials and server config of a NATS run: one nkey seed per identity (coordinator, observer, each client; mode 0600), users.json, nats-server.conf and a starter coordinator.json, then print the nats-server, meerkat serve, join and status command lines to run.',
    brief: 'Make the credentials and server config of a NATS run',
    flags: [
      {
        name: 'run',
        type: 'string',
        valueName: 'ID',
        required: true,
        description: 'the run id (letters, digits, _ and -; the name of the run directory)',
      },
      {
        name: 'clients',
        type: 'integer',
        min: 1,
        required: true,
        description: 'how many clients (their ids are the trainer’s: client-000, client-001, …)',
      },
      {
        name: 'out',
        type: 'string',
        valueName: 'DIR',
        description: 'directory to write the files into (made if missing)',
        default: 'meerkat-nats',
      },
      {
        name: 'listen',
        type: 'string',
        valueName: 'HOST:PORT',
        description: 'where nats-server listens for clients',
        default: '0.0.0.0:4222',
      },
      {
        name: 'nats',
        type: 'string',
        valueName: 'URL',
        description:
          'the URL the coordinator and clients reach the server by (tls://nats.example:4222), used in the printed commands',
        default: {
          text: 'nats://HOST:PORT of --listen (tls:// with --tls-cert; 127.0.0.1 for 0.0.0.0)',
        },
      },
      {
        name: 'jetstream-dir',
        type: 'string',
        valueName: 'DIR',
        description: 'where nats-server keeps the streams, KV and objects',
        default: { text: 'OUT/jetstream' },
      },
      {
        name: 'tls-cert',
        type: 'string',
        valueName: 'FILE',
        description:
          'the server’s TLS certificate (PEM); with --tls-key, TLS is required of every client',
      },
      {
        name: 'tls-key',
        type: 'string',
        valueName: 'FILE',
        description: 'the server’s TLS private key (PEM)',
      },
      {
        name: 'ca',
        type: 'string',
        valueName: 'FILE',
        description:
          'the CA certificate clients verify the server with, used in the printed commands',
        default: { text: '--tls-cert (a self-signed certificate is its own CA)' },
      },
      {
        name: 'model',
        type: 'string',
        valueName: 'MODEL',
        description: `the model of coordinator.json and of the printed join commands: a model directory, llama2.c .bin, ${DEFAULT_MODEL} or hf:ORG/NAME[@REV] (a name is fetched into the cache once, and coordinator.json gets its directory)`,
        default: DEFAULT_MODEL,
      },
      {
        name: 'force',
        type: 'boolean',
        description: 'replace files already in --out (new seeds: the old ones stop working)',
      },
    ],
    details: [
      'Seeds go to their owners only: coordinator.seed to the coordinator, client-NNN.seed to',
      'that client, observer.seed to whoever runs meerkat status. users.json and',
      'nats-server.conf hold public keys only.',
      '',
      'Example: meerkat nats-init --run spam-run --clients 3 --nats tls://nats.example:4222 --tls-cert server-cert.pem --tls-key server-key.pem',
    ],
  },
  async run(args, io) {
    /** A path as the printed commands show it: relative to the working directory when inside it. */
    const shown = (path: string) => {
      const rel = relative(io.cwd, path);
      return shellWord(rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel);
    };
    const run = args.string('run');
    const clientIds = runClientIds(args.number('clients'));
    const out = resolvePath(io, args.string('out'));
    const { host, port } = parseListen(args.string('listen'));
    const certFile = existingFile(io, args, 'tls-cert');
    const keyFile = existingFile(io, args, 'tls-key');
    if ((certFile === undefined) !== (keyFile === undefined)) {
      throw new CliUsageError(
        'CLI_MISSING_FLAG',
        `--${certFile === undefined ? 'tls-key' : 'tls-cert'} needs --${certFile === undefined ? 'tls-cert' : 'tls-key'}: TLS takes the server's certificate and its key`,
      );
    }
    const tls = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined;
    if (tls === undefined && args.given('ca')) {
      throw new CliUsageError(
        'CLI_CONFLICTING_FLAGS',
        '--ca is the CA of a TLS server: give --tls-cert and --tls-key too, or drop --ca',
      );
    }
    const ca = tls === undefined ? undefined : (existingFile(io, args, 'ca') ?? tls.certFile);
    const jetstream = args.optionalString('jetstream-dir');
    const storeDir = jetstream === undefined ? join(out, 'jetstream') : resolvePath(io, jetstream);
    const { files } = createOperatorFiles({
      run,
      clientIds,
      host,
      port,
      storeDir,
      ...(tls !== undefined ? { tls } : {}),
    });
    const configName = 'coordinator.json';
    const existing = existingOperatorFiles(out, [...files, { name: configName }]);
    if (existing.length > 0 && !args.boolean('force')) {
      throw new CliUsageError<MeerkatCliCode>(
        'CLI_FILE_EXISTS',
        `${shown(out)} already holds ${existing.map((p) => basename(p)).join(', ')}; pass --force to replace them (new credentials), or choose another --out`,
      );
    }
    const modelArg = args.string('model');
    const modelDir = await resolveModelArg(io, modelArg);
    const config: OperatorFile = {
      name: configName,
      text: `${JSON.stringify(starterRunConfig({ run, clients: clientIds.length, model: modelDir }), null, 2)}\n`,
      mode: 0o644,
    };
    writeOperatorFiles(out, [...files, config], { overwrite: args.boolean('force') });

    const urlHost = WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host;
    const url =
      args.optionalString('nats') ??
      `${tls !== undefined ? 'tls' : 'nats'}://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`;
    const connect = `--nats ${shellWord(url)}${ca !== undefined ? ` --ca ${shown(ca)}` : ''}`;
    const seed = (id: string) => `--seed-file ${shown(join(out, `${id}.seed`))}`;
    const model = isModelName(modelArg, io.cwd)
      ? shellWord(modelArg)
      : shown(resolvePath(io, modelArg));
    const last = clientIds[clientIds.length - 1] as string;
    const lines = [
      `Run ${run}, ${clientIds.length} client(s); the files are in ${shown(out)}:`,
      `  coordinator.seed, observer.seed, ${clientIds.length === 1 ? last : `${clientIds[0]}.seed … ${last}`}.seed: nkey seeds (mode 0600), each for its owner only`,
      '  users.json: each identity’s role and public nkey',
      `  nats-server.conf: listens on ${host.includes(':') ? `[${host}]` : host}:${port}${tls !== undefined ? ' with TLS' : ' without TLS'}, JetStream in ${shown(storeDir)}`,
      `  ${configName}: a starter run config for meerkat serve (Meerkat, SpamAssassin, IID partition, run directory ${shown(join(out, run))})`,
      '',
      '# the server',
      `nats-server -c ${shown(join(out, 'nats-server.conf'))}`,
      '# the coordinator',
      `meerkat serve ${connect} ${seed('coordinator')} --config ${shown(join(out, configName))}`,
      '# each client, on its own machine (with its seed file and the same model; --data FILE for its own examples)',
      ...clientIds.map(
        (id) =>
          `meerkat join ${connect} ${seed(id)} --run ${run} --client-id ${id} --model ${model}`,
      ),
      '# anyone with the observer seed',
      `meerkat status ${connect} ${seed('observer')} --run ${run}`,
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    if (WILDCARD_HOSTS.has(host) && !args.given('nats')) {
      io.stderr.write(
        `meerkat nats-init: the commands above reach the server at 127.0.0.1; on other machines use the name or address they reach it by (--nats URL)\n`,
      );
    }
    if (tls === undefined && !['127.0.0.1', '::1', 'localhost'].includes(host)) {
      io.stderr.write(
        'meerkat nats-init: no TLS: traffic to the server is plain text; pass --tls-cert and --tls-key\n',
      );
    }
    return 0;
  },
};
