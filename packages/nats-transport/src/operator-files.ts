import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { partitionIid } from '@meerkat/fed-aggregate';
import { MeerkatError } from '@meerkat/trainer';

import { createUserNkey } from './node-nkeys.js';
import { clientPermissions, coordinatorPermissions, observerPermissions } from './permissions.js';
import {
  type NatsServerConfigSpec,
  type NatsUserSpec,
  renderNatsServerConfig,
} from './server-config.js';
import { RunSubjects } from './subjects.js';

/** The inbox prefix of the observer role (`meerkat status`); its permissions allow only this one. */
export const OBSERVER_INBOX_PREFIX = '_INBOX_observer';

/** One NATS user's nkey pair: the public key goes into the server config, the seed to the user. */
export interface NatsIdentity {
  readonly publicKey: string;
  /** The nkey seed (`SU...`) as text. */
  readonly seed: string;
}

/** Who a NATS user of a run is. */
export type RunRole = 'coordinator' | 'observer' | 'client';

/** The identities of one run: a coordinator, a read-only observer and one user per client id. */
export interface RunIdentities {
  readonly coordinator: NatsIdentity;
  readonly observer: NatsIdentity;
  readonly clients: ReadonlyMap<string, NatsIdentity>;
}

/** A new nkey user (what `@nats-io/nkeys` `createUser` makes, with Node's ed25519: ~0.1 ms). */
export function createNatsIdentity(): NatsIdentity {
  return createUserNkey();
}

/**
 * The client ids of a run with `count` clients: the trainer's partition ids (`client-000`, …,
 * wider from 1,001 clients on), which `meerkat join --client-id` must use. They are taken from a
 * fed-aggregate partition, the one owner of the numbering, so the two cannot drift apart.
 */
export function runClientIds(count: number): string[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `A run needs an integer count of clients ≥ 1, got ${count}.`,
    );
  }
  return partitionIid(new Int32Array(count), { numClients: count, seed: 0n }).clients.map(
    (c) => c.clientId,
  );
}

/** New identities for the coordinator, the observer and each client id (ids checked, no repeats). */
export function createRunIdentities(clientIds: readonly string[]): RunIdentities {
  const seen = new Set<string>();
  for (const id of clientIds) {
    RunSubjects.inboxPrefix(id); // a usable NATS token, or MEERKAT_CONFIG_INVALID
    if (seen.has(id)) {
      throw new MeerkatError('MEERKAT_CONFIG_INVALID', `The client id ${id} is given twice.`);
    }
    seen.add(id);
  }
  return {
    coordinator: createNatsIdentity(),
    observer: createNatsIdentity(),
    clients: new Map(clientIds.map((id) => [id, createNatsIdentity()] as const)),
  };
}

/**
 * The server's users for a run: the coordinator (`coordinatorPermissions`), the observer
 * (`observerPermissions` with `OBSERVER_INBOX_PREFIX`) and each client (`clientPermissions`).
 */
export function runServerUsers(subjects: RunSubjects, identities: RunIdentities): NatsUserSpec[] {
  return [
    { nkey: identities.coordinator.publicKey, permissions: coordinatorPermissions() },
    {
      nkey: identities.observer.publicKey,
      permissions: observerPermissions(subjects, OBSERVER_INBOX_PREFIX),
    },
    ...[...identities.clients].map(([id, c]) => ({
      nkey: c.publicKey,
      permissions: clientPermissions(subjects, id),
    })),
  ];
}

/** The files of a run's NATS deployment, before they are written. */
export interface OperatorFile {
  /** File name inside the output directory. */
  readonly name: string;
  readonly text: string;
  /** File mode: 0o600 for seeds, 0o644 for the rest. */
  readonly mode: number;
}

/** What `createOperatorFiles` needs: the run, its client ids and the server's settings. */
export interface OperatorFilesSpec extends Omit<NatsServerConfigSpec, 'users'> {
  readonly run: string;
  readonly clientIds: readonly string[];
}

export interface OperatorFiles {
  readonly identities: RunIdentities;
  /** `coordinator.seed`, `observer.seed`, `<clientId>.seed` …, `users.json`, `nats-server.conf`. */
  readonly files: readonly OperatorFile[];
}

/** One entry of `users.json`. */
export interface OperatorUser {
  readonly role: RunRole;
  readonly nkey: string;
}

/**
 * New credentials and the server config of a run: one nkey seed file per identity (the
 * coordinator, an observer for `meerkat status`, each client), `users.json` (id → role and public
 * nkey) and `nats-server.conf` (`renderNatsServerConfig` with `runServerUsers`). Nothing is
 * written; `writeOperatorFiles` does that.
 */
export function createOperatorFiles(spec: OperatorFilesSpec): OperatorFiles {
  const { run, clientIds, ...server } = spec;
  const subjects = new RunSubjects(run);
  for (const reserved of ['coordinator', 'observer']) {
    if (clientIds.includes(reserved)) {
      throw new MeerkatError(
        'MEERKAT_CONFIG_INVALID',
        `The client id ${reserved} is the name of another role; pick another id.`,
      );
    }
  }
  const identities = createRunIdentities(clientIds);
  const named: [string, RunRole, NatsIdentity][] = [
    ['coordinator', 'coordinator', identities.coordinator],
    ['observer', 'observer', identities.observer],
    ...[...identities.clients].map(([id, c]): [string, RunRole, NatsIdentity] => [id, 'client', c]),
  ];
  const users: Record<string, OperatorUser> = Object.fromEntries(
    named.map(([id, role, c]) => [id, { role, nkey: c.publicKey }]),
  );
  return {
    identities,
    files: [
      ...named.map(([id, , c]) => ({ name: `${id}.seed`, text: `${c.seed}\n`, mode: 0o600 })),
      { name: 'users.json', text: `${JSON.stringify(users, null, 2)}\n`, mode: 0o644 },
      {
        name: 'nats-server.conf',
        text: renderNatsServerConfig({ ...server, users: runServerUsers(subjects, identities) }),
        mode: 0o644,
      },
    ],
  };
}

/** The paths of `files` that already exist in `dir`. */
export function existingOperatorFiles(
  dir: string,
  files: readonly Pick<OperatorFile, 'name'>[],
): string[] {
  return files.map((f) => join(dir, f.name)).filter((path) => existsSync(path));
}

/**
 * Writes `files` into `dir` (made if missing) with their modes, whatever the umask, and returns
 * their paths. An existing file is refused (`MEERKAT_INVALID_STATE`, nothing written) unless
 * `overwrite`, which replaces it with a new file.
 */
export function writeOperatorFiles(
  dir: string,
  files: readonly OperatorFile[],
  options: { readonly overwrite?: boolean } = {},
): string[] {
  const existing = existingOperatorFiles(dir, files);
  if (existing.length > 0 && options.overwrite !== true) {
    throw new MeerkatError(
      'MEERKAT_INVALID_STATE',
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; move them away or overwrite them (meerkat nats-init --force).`,
    );
  }
  mkdirSync(dir, { recursive: true });
  return files.map((f) => {
    const path = join(dir, f.name);
    // A new file, so a seed never lands in a file someone else may already read.
    if (options.overwrite === true) rmSync(path, { force: true });
    writeFileSync(path, f.text, { mode: f.mode, flag: 'wx' });
    chmodSync(path, f.mode);
    return path;
  });
}
