import { formatPercent, formatSeconds } from '@meerkat/report';
import { type DrivenRun, describeDetection } from './train-driver.js';

/** What `meerkat demo` ends with: its training run, where it wrote, and how long it took. */
export interface DemoOutcome {
  readonly run: Pick<DrivenRun, 'summary' | 'detection'>;
  /** Test e-mails the accuracy and the references are measured on. */
  readonly testSize: number;
  readonly runDir: string;
  readonly reportPath: string;
  /** Wall time of the whole demo. */
  readonly seconds: number;
}

/** A loss to 3 decimals, or a dash when there is none. */
function formatLoss(v: number | null | undefined): string {
  return typeof v === 'number' ? v.toFixed(3) : '–';
}

/**
 * The demo's closing lines for stdout: test accuracy and loss before and after training, the
 * zero-shot / majority-class / class-prior references, the detector's verdict, where the run and
 * the report are, and the wall time.
 */
export function formatDemoSummary({
  run: { summary, detection },
  testSize,
  runDir,
  reportPath,
  seconds,
}: DemoOutcome): string {
  const ref = summary.references;
  const lines = [
    `test accuracy ${formatPercent(summary.initialAccuracy)} → ${formatPercent(summary.finalAccuracy)}, test loss ${formatLoss(summary.initialLoss)} → ${formatLoss(summary.finalLoss)} after ${summary.rounds} rounds`,
    ...(ref === undefined
      ? []
      : [
          `references on the same ${testSize} test e-mails: zero-shot ${formatPercent(summary.initialAccuracy)} (loss ${formatLoss(summary.initialLoss)}); always "${ref.majorityLabel}" (the majority class) ${formatPercent(ref.majorityAccuracy)}; the class prior's loss (its entropy on these e-mails) ${formatLoss(ref.priorLoss)}`,
        ]),
    detection === null ? 'no detection ran' : describeDetection(detection),
    `run directory: ${runDir}`,
    `report: ${reportPath}`,
    `demo wall time: ${formatSeconds(seconds)}`,
  ];
  return `${lines.join('\n')}\n`;
}
