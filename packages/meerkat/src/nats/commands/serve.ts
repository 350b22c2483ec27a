import { dirname } from 'node:path';

import type { CliCommand } from '../../cli/command.js';
import { BACKEND_FLAG } from '../../cli/common-flags.js';
import { resolvePath } from '../../cli/paths.js';
import { readJsonFile } from '../../cli/read-json-file.js';
import { createJsonLogger } from '../json-logger.js';
import { serveRun } from '../serve-run.js';
import { connectFromArgs, NATS_FLAGS } from './nats-flags.js';

export const serveCommand: CliCommand = {
  spec: {
    name: 'serve',
    summary:
      'Coordinate a run over NATS JetStream: publish the manifest and mask, announce rounds, aggregate the clients’ updates, write the run directory.',
    positionals: [],
    flags: [
      ...NATS_FLAGS,
      {
        name: 'config',
        type: 'string',
        value: 'FILE.json',
        description: 'the run config (as for meerkat train); its runDir name is the run id',
      },
      BACKEND_FLAG,
    ],
    notes: [
      'Logs are JSON lines on stderr; the summary is printed on stdout.',
      'Clients join with: meerkat join --nats URL --run RUN_ID --client-id client-000 --seed-file client-000.seed',
    ],
  },
  async run(args, io) {
    const configPath = resolvePath(io, args.requireString('config'));
    const json = (await readJsonFile(configPath, 'run config')) as Record<string, unknown>;
    const backend = args.string('backend');
    const config = backend !== undefined ? { ...json, backend } : json;
    const nc = await connectFromArgs(args, io, { name: 'serve' });
    try {
      const { summary } = await serveRun({
        nc,
        config,
        baseDir: dirname(configPath),
        logger: createJsonLogger((l) => io.stderr.write(l)),
      });
      io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return 0;
    } finally {
      await nc.close();
    }
  },
};
