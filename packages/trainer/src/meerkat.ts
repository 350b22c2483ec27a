import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Backend } from '@meerkat/tensor';
import { TrainingClient } from './client/training-client.js';
import {
  type ParseRunConfigOptions,
  parseRunConfig,
  type RunConfig,
} from './config/parse-run-config.js';
import type { Clock } from './coordinator/clock.js';
import { Coordinator } from './coordinator/coordinator.js';
import { createRoundPolicy } from './coordinator/create-round-policy.js';
import {
  type RoundAggregator,
  SgdAggregator,
  ZoAggregator,
} from './coordinator/round-aggregator.js';
import { decodeTrainerCheckpoint, type TrainerState } from './coordinator/trainer-checkpoint.js';
import { MeerkatError } from './errors.js';
import type { TrainerEvent } from './events.js';
import { prepareRun, type RunPlan } from './plan/run-plan.js';
import { InProcessTransport } from './protocol/in-process-transport.js';
import type { Transport } from './protocol/transport.js';
import { encodeThetaFile, RunDirectory } from './run-dir.js';
import type { RunSummary } from './run-files.js';
import { RunRecorder } from './run-recorder.js';

/** Options of `new Meerkat(config, options)`. */
export interface MeerkatOptions extends ParseRunConfigOptions {
  /** A backend instance to use instead of `config.backend`. */
  readonly backend?: Backend;
  /** The transport between coordinator and clients (default: in-process simulation). */
  readonly transport?: Transport;
  /** Continue from RUN_DIR/checkpoint.bin (see `Meerkat.resume`). */
  readonly resume?: boolean;
  /** Time source of round deadlines (`roundDeadlineSeconds`); default wall time. For tests. */
  readonly clock?: Clock;
  /**
   * `'local'` (default): the simulation runs every client in this process on the plan's model.
   * `'remote'`: only the coordinator runs here; the clients join over `transport` under the
   * partition's ids (what `serveRun` does).
   */
  readonly clients?: 'local' | 'remote';
  /**
   * Called once the run is prepared, before the `setup` event and the first round (e.g. to
   * publish the run's manifest and mask for remote clients).
   */
  readonly onPlan?: (
    plan: RunPlan,
    start: { readonly resumed: boolean; readonly startRound: number },
  ) => Promise<void>;
}

/**
 * A federated fine-tuning job (simulation mode): N clients share one loaded model; each keeps only
 * its data shard, and the coordinator and clients talk through a `Transport`.
 *
 * ```ts
 * const trainer = new Meerkat({ model: 'models/stories260K', runDir: 'runs/a', method: 'meerkat-vp' });
 * for await (const event of trainer.run()) if (event.type === 'round-end') console.log(event.metrics);
 * ```
 */
export class Meerkat {
  readonly config: RunConfig;
  private started = false;
  private thetaValue: Float32Array | undefined;
  private summaryValue: RunSummary | undefined;

  constructor(
    config: unknown,
    private readonly options: MeerkatOptions = {},
  ) {
    this.config = parseRunConfig(config, options);
  }

  /** A trainer that continues the run in `runDir` from its last checkpoint (config from config.json). */
  static resume(runDir: string, options: Omit<MeerkatOptions, 'resume' | 'baseDir'> = {}): Meerkat {
    const dir = new RunDirectory(runDir);
    if (!existsSync(dir.path('config'))) {
      throw new MeerkatError(
        'MEERKAT_CHECKPOINT_INVALID',
        `${runDir} has no ${basename(dir.path('config'))}: nothing to resume`,
      );
    }
    const config = JSON.parse(readFileSync(dir.path('config'), 'utf8')) as Record<string, unknown>;
    return new Meerkat({ ...config, runDir }, { ...options, resume: true });
  }

  /** θ after the last closed round (the trained values at the mask), once `run()` has started rounds. */
  get theta(): Float32Array | undefined {
    return this.thetaValue?.slice();
  }

  get summary(): RunSummary | undefined {
    return this.summaryValue;
  }

  /** Runs the job, yielding events; writes the run directory as `run-files.ts` describes. */
  async *run(): AsyncGenerator<TrainerEvent, RunSummary, void> {
    if (this.started)
      throw new MeerkatError(
        'MEERKAT_INVALID_STATE',
        'run() can be called once per Meerkat instance',
      );
    this.started = true;
    const { config } = this;

    const runDir = new RunDirectory(config.runDir);

    const resumeFrom =
      this.options.resume === true ? openForResume(runDir) : openNew(runDir, config);

    const plan = await prepareRun(config, runDir, {
      ...(this.options.backend === undefined ? {} : { backend: this.options.backend }),
    });
    try {
      const aggregator = createAggregator(plan, resumeFrom?.aggregator);
      this.thetaValue = aggregator.theta();

      const transport = this.options.transport ?? new InProcessTransport();
      if (this.options.clients !== 'remote') {
        // A simulation checkpoints its clients too: on resume they start holding the checkpointed θ.
        if (resumeFrom !== undefined) {
          plan.replica.replica.catchUp({
            kind: 'theta',
            round: aggregator.round,
            theta: aggregator.theta(),
          });
        }
        await joinLocalClients(plan, transport);
      }
      const start = { resumed: resumeFrom !== undefined, startRound: aggregator.round };
      await this.options.onPlan?.(plan, start);
      yield plan.setupEvent(start);

      const coordinator = new Coordinator({
        config,
        link: transport.coordinator(),
        aggregator,
        clients: plan.clients,
        run: plan.descriptor,
        policy: createRoundPolicy({
          config,
          clients: plan.clients,
          dataSeed: BigInt(plan.descriptor.dataSeed),
          gPre: plan.gPre,
          ...(resumeFrom === undefined ? {} : { restored: resumeFrom.state }),
        }),
        evaluate: (theta) => plan.evaluate(theta),
        onTheta: (theta) => {
          this.thetaValue = theta;
        },
        layoutFingerprint: plan.layout.fingerprint,
        ...(resumeFrom === undefined ? {} : { resumeFrom: resumeFrom.state }),
        ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
      });
      const recorder = new RunRecorder(config, runDir, plan.clients, resumeFrom?.state.detection);
      const rounds = coordinator.run();
      let next = await rounds.next();
      while (next.done !== true) {
        yield recorder.record(next.value);
        next = await rounds.next();
      }
      const summary: RunSummary = {
        ...recorder.summary(next.value),
        ...(plan.references === null ? {} : { references: plan.references }),
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
      };
      await transport.close();
      writeFileSync(
        runDir.path('theta'),
        encodeThetaFile(aggregator.theta(), plan.layout.fingerprint),
      );
      runDir.writeJson('summary', summary);
      this.summaryValue = summary;
      yield { type: 'done', summary };
      return summary;
    } finally {
      await plan.dispose();
    }
  }
}

/** A resumed run's checkpoint (undefined: none yet, start over); metrics after it are dropped. */
function openForResume(
  runDir: RunDirectory,
): { state: TrainerState; aggregator: Uint8Array } | undefined {
  if (!existsSync(runDir.path('checkpoint'))) {
    runDir.truncateMetrics(0);
    return undefined;
  }
  const resumeFrom = decodeTrainerCheckpoint(
    new Uint8Array(readFileSync(runDir.path('checkpoint'))),
  );
  runDir.truncateMetrics(resumeFrom.state.round);
  return resumeFrom;
}

/** A new run: refuses a run directory that holds one, and writes config.json. */
function openNew(runDir: RunDirectory, config: RunConfig): undefined {
  if (existsSync(runDir.path('checkpoint')) || existsSync(runDir.path('metrics'))) {
    throw new MeerkatError(
      'MEERKAT_INVALID_STATE',
      `${config.runDir} already holds a run: resume it (Meerkat.resume) or choose another runDir`,
    );
  }
  runDir.writeJson('config', config);
  return undefined;
}

/** The method's aggregator: new at the plan's θ₀ and lr, or restored from a checkpoint. */
function createAggregator(plan: RunPlan, checkpoint: Uint8Array | undefined): RoundAggregator {
  const { config } = plan;
  const runSeed = BigInt(config.seed);
  const participation = { fraction: config.participation };
  if (plan.preset.optimizer === 'zo') {
    // The clients' direction pool (a large θ) generates the aggregation's directions too: the
    // coordinator aggregates while its in-process clients wait.
    const { directionPool } = plan.replica;
    const options = directionPool === undefined ? {} : { directionPool };
    return checkpoint !== undefined
      ? ZoAggregator.fromCheckpoint(checkpoint, options)
      : ZoAggregator.create(
          { runSeed, lr: plan.lr, directions: config.directions, participation },
          plan.replica.replica.theta(),
          options,
        );
  }
  return checkpoint !== undefined
    ? SgdAggregator.fromCheckpoint(checkpoint, { runSeed, participation })
    : new SgdAggregator({ runSeed, participation }, plan.replica.replica.theta());
}

/** The simulation's clients: one per shard, sharing the plan's model and θ view; each joins. */
async function joinLocalClients(plan: RunPlan, transport: Transport): Promise<void> {
  const { replica, directionPool } = plan.replica;
  const clients = plan.clients.map((info) => {
    const data = plan.shards.shard(info.id)!;
    return new TrainingClient({
      link: transport.client(info.id),
      replica,
      model: plan.model,
      task: plan.task,
      examples: data.examples,
      labels: data.labels,
      layoutFingerprint: plan.layout.fingerprint,
      ...(directionPool === undefined ? {} : { directionPool }),
    });
  });
  for (const c of clients) await c.join();
}
