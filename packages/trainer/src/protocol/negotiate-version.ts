import { MAX_PROTOCOL_VERSION } from './field-checks.js';
import { protocolError } from './protocol-error.js';

/** Protocol versions this build decodes (v1: codec.ts, v2: codec-v2.ts), ascending. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = Object.freeze([1, 2]);

function checkVersions(side: string, versions: readonly number[]): void {
  if (
    !Array.isArray(versions) ||
    versions.length === 0 ||
    !versions.every((v) => Number.isInteger(v) && v >= 1 && v <= MAX_PROTOCOL_VERSION)
  ) {
    throw protocolError(
      `the ${side}'s protocol versions must be a non-empty list of integers in [1, ${MAX_PROTOCOL_VERSION}], got ${JSON.stringify(versions)}`,
    );
  }
}

/**
 * Version agreement at join: the highest version both sides speak. Pure; the lists may come in
 * any order. No common version (or a malformed list) is `MEERKAT_PROTOCOL`, naming both lists.
 */
export function negotiateProtocolVersion(
  clientVersions: readonly number[],
  coordinatorVersions: readonly number[],
): number {
  checkVersions('client', clientVersions);
  checkVersions('coordinator', coordinatorVersions);
  const common = clientVersions.filter((v) => coordinatorVersions.includes(v));
  if (common.length === 0) {
    const list = (vs: readonly number[]) => `[${[...vs].sort((a, b) => a - b).join(', ')}]`;
    throw protocolError(
      `no common protocol version: the client speaks ${list(clientVersions)}, the coordinator ${list(coordinatorVersions)}; upgrade the older side`,
    );
  }
  return Math.max(...common);
}
