import type { CliCommand } from '@meerkat/cli-kit';
import {
  findRunManifest,
  OBSERVER_INBOX_PREFIX,
  type RunState,
  RunSubjects,
  readRunState,
} from '@meerkat/nats-transport';
import type { MeerkatIo } from '../../cli-io.js';
import { JSON_FLAG } from '../../common-flags.js';
import { connectFromArgs, NATS_FLAGS } from './nats-flags.js';

/** Where a run stands: its state's status, or `not-started` before any coordinator published it. */
export type RunPhase = 'not-started' | RunState['status'];

function names(ids: readonly string[]): string {
  return ids.length === 0 ? '' : ` (${ids.join(', ')})`;
}

/** The one line that says where a run stands. */
export function describeRunPhase(
  run: string,
  state: RunState | null,
  manifestCreatedAt: string | null,
  connected: readonly string[],
): string {
  if (state === null) {
    return manifestCreatedAt === null
      ? `run ${run} has not started: no coordinator has published it on this NATS server (is meerkat serve running for run id ${run}, on this server and account?)`
      : `run ${run} is waiting for clients: its coordinator published it at ${manifestCreatedAt} and has written no run state yet`;
  }
  const round = `round ${state.round} / ${state.rounds}`;
  switch (state.status) {
    case 'waiting-for-clients':
      return `run ${run} is waiting for clients: ${round}, ${state.clients.length} client(s) expected, ${connected.length} heard from now${names(connected)}`;
    case 'running':
      return `run ${run} is running: ${round}, ${state.participants.length} participant(s) in round ${state.round}${names(state.participants)}, ${state.flagged.length} flagged${names(state.flagged)}`;
    case 'finished':
      return `run ${run} has finished: rounds ${state.round} / ${state.rounds}, final θ CRC-32 ${state.thetaCrc32 ?? '-'}, at ${state.updatedAt}`;
  }
}

export const statusCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'status',
    summary:
      'Show a NATS run: whether it has started, is waiting for clients, running or finished; its round, θ checksum, clients, the clients heard from now, and the flagged clients.',
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
    details: [
      'The first line says where the run stands: not started (no coordinator has published it on this server; exit status 1), waiting for clients, running (round r / R, participants, flagged) or finished (rounds R / R, final θ CRC-32, when).',
    ],
  },
  async run(args, io) {
    const subjects = new RunSubjects(args.string('run'));
    const nc = await connectFromArgs(args, io, {
      name: 'status',
      inboxPrefix: OBSERVER_INBOX_PREFIX,
    });
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
      const manifest = state === null ? await findRunManifest(nc, subjects) : null;
      const started = state !== null || manifest !== null;
      // A run nobody has published has no clients to listen for.
      if (started) await new Promise((r) => setTimeout(r, 1000 * args.number('listen')));
      sub.unsubscribe();
      await listening;
      const connected = [...heard.keys()].sort();
      const status: RunPhase = state?.status ?? (started ? 'waiting-for-clients' : 'not-started');
      const summary = describeRunPhase(subjects.run, state, manifest?.createdAt ?? null, connected);
      if (args.boolean('json')) {
        io.stdout.write(
          `${JSON.stringify({ run: subjects.run, status, summary, state, connected })}\n`,
        );
        return started ? 0 : 1;
      }
      if (state === null) {
        io.stdout.write(`${summary}\n`);
        return started ? 0 : 1;
      }
      const lines = [
        summary,
        `run        ${state.run} (${state.status})`,
        `round      ${state.round} / ${state.rounds}`,
        `θ crc32    ${state.thetaCrc32 ?? '-'}`,
        `clients    ${state.clients.length}: ${state.clients.join(', ')}`,
        `connected  ${connected.length}: ${connected.join(', ') || '-'}`,
        // Participants are those of the last closed round; a finished run's state has none.
        ...(state.status === 'running'
          ? [`last round ${state.participants.join(', ') || '-'}`]
          : []),
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
