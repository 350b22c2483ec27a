import { readFileSync } from 'node:fs';

import type { NatsConnection } from '@nats-io/transport-node';

import type { FlagSpec, ParsedArgs } from '../../cli/args.js';
import { CliError } from '../../cli/cli-error.js';
import type { CliIo } from '../../cli/cli-io.js';
import { resolvePath } from '../../cli/paths.js';
import { connectToRun } from '../connect.js';

/** Flags every NATS command takes: where the server is and who this process is. */
export const NATS_FLAGS: readonly FlagSpec[] = [
  {
    name: 'nats',
    type: 'string',
    value: 'URL',
    description: 'NATS server URL(s), comma-separated (nats://host:4222, tls://host:4222)',
  },
  {
    name: 'seed-file',
    type: 'string',
    value: 'FILE',
    description: "file holding this role's nkey seed (SU…); or set MEERKAT_NATS_SEED",
  },
  {
    name: 'ca',
    type: 'string',
    value: 'FILE',
    description: 'CA certificate (PEM) to verify a TLS server with',
  },
];

/** Connects with the command line's --nats, --seed-file (or MEERKAT_NATS_SEED) and --ca. */
export async function connectFromArgs(
  args: ParsedArgs,
  io: CliIo,
  role: { clientId?: string; inboxPrefix?: string; name: string },
): Promise<NatsConnection> {
  const url = args.requireString('nats');
  const seedFile = args.string('seed-file');
  const seed =
    seedFile !== undefined
      ? readFileSync(resolvePath(io, seedFile), 'utf8').trim()
      : io.env.MEERKAT_NATS_SEED;
  if (seed === undefined || seed === '') {
    throw new CliError(
      'CLI_MISSING_VALUE',
      `meerkat ${role.name}: no credentials; pass --seed-file FILE with the nkey seed the NATS operator gave this ${role.clientId === undefined ? 'role' : 'client'}, or set MEERKAT_NATS_SEED.`,
    );
  }
  const ca = args.string('ca');
  return connectToRun({
    servers: url.split(',').map((s) => s.trim()),
    seed,
    name: role.clientId ?? role.name,
    ...(role.clientId !== undefined ? { clientId: role.clientId } : {}),
    ...(role.inboxPrefix !== undefined ? { inboxPrefix: role.inboxPrefix } : {}),
    ...(ca !== undefined ? { caFile: resolvePath(io, ca) } : {}),
  });
}
