import { readFileSync } from 'node:fs';
import { CliUsageError, type FlagSpec, type ParsedArgs } from '@meerkat/cli-kit';
import { connectToRun } from '@meerkat/nats-transport';
import type { NatsConnection } from '@nats-io/transport-node';
import type { MeerkatIo } from '../../cli-io.js';
import { resolvePath } from '../../paths.js';

/** Flags every NATS command takes: where the server is and who this process is. */
export const NATS_FLAGS: readonly FlagSpec[] = [
  {
    name: 'nats',
    type: 'string',
    valueName: 'URL',
    required: true,
    description: 'NATS server URL(s), comma-separated (nats://host:4222, tls://host:4222)',
  },
  {
    name: 'seed-file',
    type: 'string',
    valueName: 'FILE',
    description: "file holding this role's nkey seed (SU…); or set MEERKAT_NATS_SEED",
  },
  {
    name: 'ca',
    type: 'string',
    valueName: 'FILE',
    description: 'CA certificate (PEM) to verify a TLS server with',
  },
];

/** Connects with the command line's --nats, --seed-file (or MEERKAT_NATS_SEED) and --ca. */
export async function connectFromArgs(
  args: ParsedArgs,
  io: MeerkatIo,
  role: { clientId?: string; inboxPrefix?: string; name: string },
): Promise<NatsConnection> {
  const url = args.string('nats');
  const seedFile = args.optionalString('seed-file');
  const seed =
    seedFile !== undefined
      ? readFileSync(resolvePath(io, seedFile), 'utf8').trim()
      : io.env.MEERKAT_NATS_SEED;
  if (seed === undefined || seed === '') {
    throw new CliUsageError(
      'CLI_MISSING_FLAG',
      `no credentials; pass --seed-file FILE with the nkey seed the NATS operator gave this ${role.clientId === undefined ? 'role' : 'client'}, or set MEERKAT_NATS_SEED`,
    );
  }
  const ca = args.optionalString('ca');
  return connectToRun({
    servers: url.split(',').map((s) => s.trim()),
    seed,
    name: role.clientId ?? role.name,
    ...(role.clientId !== undefined ? { clientId: role.clientId } : {}),
    ...(role.inboxPrefix !== undefined ? { inboxPrefix: role.inboxPrefix } : {}),
    ...(ca !== undefined ? { caFile: resolvePath(io, ca) } : {}),
  });
}
