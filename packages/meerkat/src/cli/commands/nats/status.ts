import type { CliCommand } from '@meerkat/cli-kit';
import { RunSubjects, readRunState } from '@meerkat/nats-transport';
import type { MeerkatIo } from '../../cli-io.js';
import { JSON_FLAG } from '../../common-flags.js';
import { connectFromArgs, NATS_FLAGS } from './nats-flags.js';

/** Inbox prefix of the observer role (see `observerPermissions`). */
export const OBSERVER_INBOX = '_INBOX_observer';

export const statusCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'status',
    summary:
      'Show a NATS run: its round, θ checksum, clients, the clients heard from now, and the flagged clients.',
    brief: 'Show a NATS run',
    flags: [
      ...NATS_FLAGS,
      { name: 'run', type: 'string', valueName: 'ID', required: true, description: 'the run id' },
      {
        name: 'listen',
        type: 'number',
        valueName: 'SECONDS',
        min: 0,
        max: 60,
        description: 'how long to listen for client heartbeats',
        default: 3,
      },
      JSON_FLAG,
    ],
  },
  async run(args, io) {
    const subjects = new RunSubjects(args.string('run'));
    const nc = await connectFromArgs(args, io, { name: 'status', inboxPrefix: OBSERVER_INBOX });
    try {
      const heard = new Map<string, string>();
      const sub = nc.subscribe(subjects.presenceWildcard);
      const listening = (async () => {
        for await (const m of sub) {
          const id = m.subject.slice(m.subject.lastIndexOf('.') + 1);
          heard.set(id, m.string());
        }
      })();
      const state = await readRunState(nc, subjects);
      await new Promise((r) => setTimeout(r, 1000 * args.number('listen')));
      sub.unsubscribe();
      await listening;
      const connected = [...heard.keys()].sort();
      if (args.boolean('json')) {
        io.stdout.write(`${JSON.stringify({ run: subjects.run, state, connected })}\n`);
        return state === null ? 1 : 0;
      }
      if (state === null) {
        io.stdout.write(`run ${subjects.run}: no state yet (is meerkat serve running?)\n`);
        return 1;
      }
      const lines = [
        `run        ${state.run} (${state.status})`,
        `round      ${state.round} / ${state.rounds}`,
        `θ crc32    ${state.thetaCrc32 ?? '-'}`,
        `clients    ${state.clients.length}: ${state.clients.join(', ')}`,
        `connected  ${connected.length}: ${connected.join(', ') || '-'}`,
        `last round ${state.participants.join(', ') || '-'}`,
        `flagged    ${state.flagged.join(', ') || '-'}`,
        `updated    ${state.updatedAt}`,
      ];
      io.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      await nc.close();
    }
  },
};
