import { encodeMessage, type RunDescriptor, type WelcomeMessage } from '@meerkat/trainer';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JsonLogger } from './json-logger.js';
import { findRunManifest } from './manifest-store.js';
import type { RunSubjects } from './subjects.js';

export interface VersionRefusalsOptions {
  readonly nc: NatsConnection;
  readonly subjects: RunSubjects;
  /** The protocol versions the coordinator speaks, ascending. */
  readonly versions: readonly number[];
  readonly log: JsonLogger;
  /** The run's descriptor once the coordinator has sent a welcome (undefined before). */
  readonly knownRun: () => RunDescriptor | undefined;
  /** How often refusals waiting for the run's descriptor look again (ms, default 250). */
  readonly retryMs?: number;
}

/**
 * The coordinator's answer to a join that lists no protocol version it speaks: a welcome (v1
 * frame, which every build reads) naming the coordinator's highest version, so the client
 * refuses it with `MEERKAT_PROTOCOL` (`TrainingClient`: "the coordinator chose protocol vN,
 * this client speaks [...]") instead of waiting for a welcome that never comes. The client is
 * not handed to the coordinator: it takes no part in the run.
 *
 * A welcome carries the run's descriptor: the one the coordinator's own welcomes carry, or
 * before the first of them the run manifest's (`serveRun` publishes it before clients join).
 * Without either, the refusal waits until one is there.
 */
export class VersionRefusals {
  private readonly pending = new Map<string, readonly number[]>();
  private manifestRun: RunDescriptor | undefined;
  private lookingUp = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;

  constructor(private readonly options: VersionRefusalsOptions) {}

  /** Answers `clientId`'s join (which offered `offered`) with the refusing welcome. */
  refuse(clientId: string, offered: readonly number[]): void {
    if (this.stopped) return;
    this.pending.set(clientId, offered);
    this.flush();
    if (this.pending.size === 0) return;
    void this.lookUpManifest();
    this.timer ??= setInterval(() => {
      this.flush();
      if (this.pending.size > 0 && this.manifestRun === undefined) void this.lookUpManifest();
    }, this.options.retryMs ?? 250);
    this.timer.unref?.();
  }

  /** Stops waiting for a descriptor (the transport closes). */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
    this.clearTimer();
  }

  private flush(): void {
    const run = this.options.knownRun() ?? this.manifestRun;
    if (run === undefined || this.stopped) return;
    const { nc, subjects, versions, log } = this.options;
    const version = versions.at(-1)!;
    for (const [clientId, offered] of this.pending) {
      const welcome: WelcomeMessage = { v: 1, type: 'welcome', clientId, run, version };
      nc.publish(subjects.down(clientId), encodeMessage(welcome));
      log.log('warn', 'version-refused', {
        clientId,
        clientVersions: offered.join(', '),
        coordinatorVersions: versions.join(', '),
        version,
      });
    }
    this.pending.clear();
    this.clearTimer();
  }

  private async lookUpManifest(): Promise<void> {
    if (this.lookingUp || this.manifestRun !== undefined) return;
    this.lookingUp = true;
    try {
      const manifest = await findRunManifest(this.options.nc, this.options.subjects);
      if (manifest !== null && manifest.run.runId === this.options.subjects.run) {
        this.manifestRun = manifest.run;
      }
    } catch (e) {
      this.options.log.log('debug', 'version-refusal-manifest', { error: String(e) });
    } finally {
      this.lookingUp = false;
    }
    this.flush();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
