import { dirname } from 'node:path';
import type { CliCommand } from '@meerkat/cli-kit';
import { createJsonLogger, serveRun } from '@meerkat/nats-transport';
import type { MeerkatIo } from '../../cli-io.js';
import { CONFIG_BACKEND_FLAG } from '../../common-flags.js';
import { resolveConfigModel } from '../../model-arg.js';
import { resolvePath } from '../../paths.js';
import { readJsonFile } from '../../read-json-file.js';
import { connectFromArgs, NATS_FLAGS } from './nats-flags.js';

export const serveCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'serve',
    summary:
      'Coordinate a run over NATS JetStream: publish the manifest and mask, announce rounds, aggregate the clients’ updates, write the run directory.',
    brief: 'Coordinate a run over NATS JetStream',
    flags: [
      ...NATS_FLAGS,
      {
        name: 'config',
        type: 'string',
        valueName: 'FILE.json',
        required: true,
        description: 'the run config (as for meerkat train); its runDir name is the run id',
      },
      CONFIG_BACKEND_FLAG,
      {
        name: 'replicas',
        type: 'integer',
        min: 1,
        max: 5,
        default: 1,
        valueName: 'N',
        description:
          "copies of the run's streams, KV bucket and object store: 1 on one server, 3 on a three-node JetStream cluster (then one node may die without losing the run)",
      },
    ],
    details: [
      'Logs are JSON lines on stderr; the summary is printed on stdout.',
      '',
      'Clients join with: meerkat join --nats URL --run RUN_ID --client-id client-000 --seed-file client-000.seed',
    ],
  },
  async run(args, io) {
    const configPath = resolvePath(io, args.string('config'));
    // A model name (stories15M, hf:ORG/NAME) is resolved as `meerkat train` does.
    const json = await resolveConfigModel(
      io,
      (await readJsonFile(configPath, 'run config')) as Record<string, unknown>,
      configPath,
    );
    const backend = args.optionalString('backend');
    const config = backend !== undefined ? { ...json, backend } : json;
    const nc = await connectFromArgs(args, io, { name: 'serve' });
    try {
      const { summary } = await serveRun({
        nc,
        config,
        baseDir: dirname(configPath),
        replicas: args.number('replicas'),
        logger: createJsonLogger((l) => io.stderr.write(l)),
      });
      io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return 0;
    } finally {
      await nc.close();
    }
  },
};
