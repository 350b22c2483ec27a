import { formatBytes, formatNumber, formatSeconds } from '../cli/format.js';
import type { MeanStd } from '../report/stats.js';
import type { SeriesResult } from './experiment-results.js';

function pm(s: MeanStd, format: (v: number) => string): string {
  if (s.n === 0) return '–';
  return s.n > 1 ? `${format(s.mean)} ± ${format(s.std)}` : format(s.mean);
}

const pct = (v: number) => (100 * v).toFixed(1);

function rangeText(range: readonly [number, number] | null): string {
  if (range === null) return '?';
  return range[0] === range[1] ? String(range[0]) : `${range[0]}–${range[1]}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const align = header.map((_, i) => (i === 0 ? ':---' : '---:'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

export interface ResultsMarkdownInput {
  readonly name: string;
  readonly description: string;
  readonly command: string;
  readonly series: readonly SeriesResult[];
  readonly finishedCells: number;
  readonly totalCells: number;
  /** Sum over finished cells of their runs' own wall time. */
  readonly runSeconds: number;
}

/** The results table(s) of an experiment as Markdown (what README sections quote). */
export function resultsMarkdown(input: ResultsMarkdownInput): string {
  const out: string[] = [`## Experiment \`${input.name}\``, ''];
  if (input.description !== '') out.push(input.description, '');
  out.push(`Command: \`${input.command}\``, '');
  out.push(
    `${input.finishedCells}/${input.totalCells} cells finished; their training rounds took ${formatSeconds(input.runSeconds)} of wall time in all (the runs' own clocks, without model loading and mask calibration). Mean ± sample std over seeds (n = seeds).`,
    '',
  );
  // Causal-lm series have held-out perplexity instead of accuracy.
  const ppl = input.series.some((s) => s.finalPerplexity.n > 0);
  const f4 = (v: number) => formatNumber(v, 4);
  out.push(
    table(
      [
        'series',
        'n',
        'rounds × T',
        ...(ppl ? ['initial perplexity', 'final perplexity'] : ['initial acc. %', 'final acc. %']),
        'final loss',
        'bytes / client',
        'fwd passes / client',
        'wall time / run',
      ],
      input.series.map((s) => [
        s.series,
        String((ppl ? s.finalPerplexity.n : s.finalAccuracy.n) || s.seeds.length),
        `${rangeText(s.rounds)} × ${rangeText(s.localSteps)}`,
        ...(ppl
          ? [pm(s.initialPerplexity, f4), pm(s.finalPerplexity, f4)]
          : [pm(s.initialAccuracy, pct), pm(s.finalAccuracy, pct)]),
        pm(s.finalLoss, (v) => formatNumber(v, 4)),
        pm(s.bytesPerClient, formatBytes),
        pm(s.forwardPassesPerClient, (v) => formatNumber(v, 4)),
        pm(s.seconds, formatSeconds),
      ]),
    ),
  );
  const detected = input.series.filter((s) => s.detection !== null);
  if (detected.length > 0) {
    out.push('', '### Meerkat-vp detection (positive = extreme Non-IID client)', '');
    out.push(
      table(
        [
          'series',
          'precision %',
          'recall %',
          'TP / FP / FN / TN (summed)',
          'ρ_later extreme',
          'ρ_later normal',
          'quiet extreme',
          'quiet normal',
        ],
        detected.map((s) => {
          const d = s.detection as NonNullable<SeriesResult['detection']>;
          const f = (v: number) => formatNumber(v, 3);
          return [
            s.series,
            pm(d.precision, pct),
            pm(d.recall, pct),
            `${d.truePositives} / ${d.falsePositives} / ${d.falseNegatives} / ${d.trueNegatives}`,
            d.byKind.extreme === undefined ? '–' : pm(d.byKind.extreme.rhoLater, f),
            d.byKind.normal === undefined ? '–' : pm(d.byKind.normal.rhoLater, f),
            d.byKind.extreme === undefined ? '–' : pm(d.byKind.extreme.rhoQuiet, f),
            d.byKind.normal === undefined ? '–' : pm(d.byKind.normal.rhoQuiet, f),
          ];
        }),
      ),
    );
    out.push(
      '',
      'Precision is undefined (–) for a run that flagged nothing; ρ statistics pool every client of that kind over the seeds.',
    );
  }
  return `${out.join('\n')}\n`;
}
