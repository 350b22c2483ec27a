import type { CliCommand } from '@meerkat/cli-kit';
import { createJsonLogger, joinRun } from '@meerkat/nats-transport';
import { loadModel } from '@meerkat/trainer';
import type { MeerkatIo } from '../../cli-io.js';
import { BACKEND_FLAG, MODEL_DESCRIPTION } from '../../common-flags.js';
import { resolveModelArg } from '../../model-arg.js';
import { resolvePath } from '../../paths.js';
import { connectFromArgs, NATS_FLAGS } from './nats-flags.js';

export const joinCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'join',
    summary:
      'Join a NATS run as one client: check the manifest against your model, fetch the mask, train on your data, upload only scalars.',
    brief: 'Join a NATS run as one client',
    flags: [
      ...NATS_FLAGS,
      {
        name: 'run',
        type: 'string',
        valueName: 'ID',
        required: true,
        description: 'the run id (the name of the coordinator’s run directory)',
      },
      {
        name: 'client-id',
        type: 'string',
        valueName: 'ID',
        required: true,
        description: 'this client’s id (its NATS user may publish only on its own subject)',
      },
      {
        name: 'data',
        type: 'string',
        valueName: 'FILE',
        description: 'this client’s examples (JSONL or CSV with text and label)',
        default: { text: 'its shard of the coordinator’s data' },
      },
      {
        name: 'model',
        type: 'string',
        valueName: 'MODEL',
        description: MODEL_DESCRIPTION,
        default: { text: 'the path in the run config' },
      },
      {
        name: 'wait',
        type: 'number',
        valueName: 'SECONDS',
        min: 0,
        max: 86_400,
        description:
          'how long to wait for the coordinator to publish the run (then give up); once joined, a coordinator silent this long is reported',
        default: 60,
      },
      BACKEND_FLAG,
    ],
    details: [
      'Logs are JSON lines on stderr; the client reconnects on its own while the process lives.',
      'While the run has no manifest yet it logs what it waits for (waiting-for-manifest) at once and every 10 s, and after --wait seconds fails with MEERKAT_COORDINATOR_UNAVAILABLE.',
    ],
  },
  async run(args, io) {
    const clientId = args.string('client-id');
    const nc = await connectFromArgs(args, io, { name: 'join', clientId });
    const data = args.optionalString('data');
    const model = args.optionalString('model');
    try {
      const result = await joinRun({
        nc,
        run: args.string('run'),
        clientId,
        loadModel: (dir) => loadModel(dir, args.string('backend')),
        manifestWaitMs: Math.round(1000 * args.number('wait')),
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
