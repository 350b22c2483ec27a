import type { CliCommand } from '../../cli/command.js';
import { BACKEND_FLAG } from '../../cli/common-flags.js';
import { loadModel } from '../../cli/load-model.js';
import { resolveModelArg } from '../../cli/model-arg.js';
import { resolvePath } from '../../cli/paths.js';
import { joinRun } from '../join-run.js';
import { createJsonLogger } from '../json-logger.js';
import { connectFromArgs, NATS_FLAGS } from './nats-flags.js';

export const joinCommand: CliCommand = {
  spec: {
    name: 'join',
    summary:
      'Join a NATS run as one client: check the manifest against your model, fetch the mask, train on your data, upload only scalars.',
    positionals: [],
    flags: [
      ...NATS_FLAGS,
      {
        name: 'run',
        type: 'string',
        value: 'ID',
        description: 'the run id (the name of the coordinator’s run directory)',
      },
      {
        name: 'client-id',
        type: 'string',
        value: 'ID',
        description: 'this client’s id (its NATS user may publish only on its own subject)',
      },
      {
        name: 'data',
        type: 'string',
        value: 'FILE',
        description:
          'this client’s examples (JSONL or CSV with text and label); default: its shard of the coordinator’s data',
      },
      {
        name: 'model',
        type: 'string',
        value: 'MODEL',
        description:
          'model directory, llama2.c .bin, stories15M or hf:ORG/NAME[@REV] (downloaded into the cache once) (default: the path in the run config)',
      },
      BACKEND_FLAG,
    ],
    notes: [
      'Logs are JSON lines on stderr; the client reconnects on its own while the process lives.',
    ],
  },
  async run(args, io) {
    const clientId = args.requireString('client-id');
    const nc = await connectFromArgs(args, io, { name: 'join', clientId });
    const data = args.string('data');
    const model = args.string('model');
    try {
      const result = await joinRun({
        nc,
        run: args.requireString('run'),
        clientId,
        loadModel: (dir) => loadModel(dir, args.string('backend')),
        ...(data !== undefined ? { dataFile: resolvePath(io, data) } : {}),
        ...(model !== undefined ? { modelDir: await resolveModelArg(io, model) } : {}),
        logger: createJsonLogger((l) => io.stderr.write(l)),
      });
      io.stdout.write(
        `${JSON.stringify({ clientId, rounds: result.rounds, k: result.theta.length })}\n`,
      );
      return 0;
    } finally {
      await nc.close();
    }
  },
};
