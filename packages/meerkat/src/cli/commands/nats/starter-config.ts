/**
 * The run config `meerkat nats-init` writes as `coordinator.json`, for `meerkat serve --config`:
 * Meerkat (not Meerkat-vp, whose GradIP calibration round is long) on SpamAssassin, a 0.1% mask
 * calibrated on Moby-Dick, 5 rounds of 5 local steps, with the demo's settings for stories15M
 * (label words ` good` / ` bad`, single tokens there, and batches of 8; with the default ` Lily`
 * / ` Tim`, two tokens each there, and batches of 4 the run diverged in round 1). The partition is
 * IID, which is feasible for
 * any number of clients up to the training examples (the default partition, two single-label
 * clients as large as the others, is not: with 3 clients the spam client wants more spam than
 * there is, `FED_PARTITION_INFEASIBLE`). `runDir` is the run id, so the run directory lands next
 * to the config and its name is the run id `meerkat join --run` takes. Without `--data`, every
 * client trains on its shard of this data.
 *
 * `packages/meerkat/recipes/coordinator.json` is this config for `--run spam-run --clients 3` with
 * `model` left as the name `stories15M` (which `meerkat train` resolves; `nats-init` writes the
 * directory the model resolves to, since `meerkat serve` takes a model directory).
 */
export function starterRunConfig(options: {
  readonly run: string;
  readonly clients: number;
  readonly model: string;
}): Record<string, unknown> {
  return {
    method: 'meerkat',
    model: options.model,
    runDir: options.run,
    seed: 0,
    clients: options.clients,
    partition: { kind: 'iid' },
    rounds: 5,
    localSteps: 5,
    batchSize: 8,
    task: {
      data: { source: 'spam-assassin' },
      verbalizer: { ham: ' good', spam: ' bad' },
      maxTokens: 48,
      testExamples: 200,
    },
    mask: { density: 0.001 },
    evaluation: { every: 5, testSize: 200 },
  };
}
