import { RunSubjects } from './subjects.js';

/** A NATS user's subject permissions (allow lists; everything else is denied). */
export interface SubjectPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/** The JetStream API calls needed to read a stream with ordered consumers and direct gets. */
function readStreamApi(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
  ];
}

/**
 * What a client of run `subjects.run` may do: publish only its own update and presence
 * subjects, receive its own downlink subject and the broadcasts, read the broadcast stream, the run's KV bucket and object store (read-only JetStream
 * API calls), and receive replies only on its own inbox prefix (connect with
 * `inboxPrefix: RunSubjects.inboxPrefix(clientId)`). It cannot read other clients' updates or
 * write any stream except through its update subject.
 */
export function clientPermissions(subjects: RunSubjects, clientId: string): SubjectPermissions {
  return {
    publish: [
      subjects.update(clientId),
      subjects.presence(clientId),
      '$JS.API.INFO',
      ...readStreamApi(subjects.broadcastStream),
      ...readStreamApi(subjects.kvStream),
      ...readStreamApi(subjects.objectStream),
    ],
    subscribe: [
      subjects.broadcastWildcard,
      subjects.down(clientId),
      `${RunSubjects.inboxPrefix(clientId)}.>`,
    ],
  };
}

/** The coordinator administers the run's streams and buckets: it may do anything in its account. */
export function coordinatorPermissions(): SubjectPermissions {
  return { publish: ['>'], subscribe: ['>'] };
}

/**
 * A read-only observer (`meerkat status`): reads the run's KV bucket and sees presence
 * heartbeats; publishes nothing but read-only JetStream API calls.
 */
export function observerPermissions(
  subjects: RunSubjects,
  inboxPrefix: string,
): SubjectPermissions {
  return {
    publish: ['$JS.API.INFO', ...readStreamApi(subjects.kvStream)],
    subscribe: [subjects.presenceWildcard, `${inboxPrefix}.>`],
  };
}
