import type { TextSink } from '@meerkat/cli-kit';
import { formatBytes, formatNumber, formatPercent } from '@meerkat/report';

/** What one progress update shows. */
export interface ProgressUpdate {
  readonly round: number;
  readonly totalRounds: number;
  readonly accuracy: number | null;
  readonly loss: number | null;
  /** Held-out perplexity (causal-lm runs), shown instead of accuracy; null = not evaluated. */
  readonly perplexity?: number | null;
  readonly cumulativeBytesPerClient: number;
  readonly phase?: 'calibration' | 'training';
  /** Extra text at the end, e.g. `flagged: c3,c7`. */
  readonly note?: string;
}

const BAR_WIDTH = 24;

/**
 * Training progress on stderr. On a terminal it redraws one line (`\r`) with a bar, round/total,
 * accuracy, loss and cumulative bytes per client; otherwise (a file, a pipe, CI) it prints one
 * plain line per round so logs stay readable.
 */
export class ProgressReporter {
  readonly #out: TextSink;
  readonly #label: string;
  #lineOpen = false;
  #lastWidth = 0;

  constructor(out: TextSink, label: string) {
    this.#out = out;
    this.#label = label;
  }

  get interactive(): boolean {
    return this.#out.isTTY === true;
  }

  update(u: ProgressUpdate): void {
    const fields = [
      `round ${u.round}/${u.totalRounds}`,
      u.phase === 'calibration' ? 'calibration' : '',
      u.perplexity === undefined
        ? `acc ${formatPercent(u.accuracy)}`
        : `ppl ${formatNumber(u.perplexity)}`,
      `loss ${formatNumber(u.loss)}`,
      `${formatBytes(u.cumulativeBytesPerClient)}/client`,
      u.note ?? '',
    ].filter((f) => f !== '');
    if (!this.interactive) {
      this.#out.write(`${this.#label} ${fields.join('  ')}\n`);
      return;
    }
    const done = u.totalRounds > 0 ? Math.min(1, u.round / u.totalRounds) : 0;
    const filled = Math.round(done * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
    let line = `${this.#label} ${bar} ${fields.join('  ')}`;
    const columns = this.#out.columns;
    if (columns !== undefined && columns > 10 && line.length >= columns) {
      line = line.slice(0, columns - 1);
    }
    const pad = Math.max(0, this.#lastWidth - line.length);
    this.#out.write(`\r${line}${' '.repeat(pad)}`);
    this.#lastWidth = line.length;
    this.#lineOpen = true;
  }

  /** A message on its own line (closes the redrawn line first on a terminal). */
  log(message: string): void {
    this.finish();
    this.#out.write(`${message}\n`);
  }

  /** Ends the redrawn line so later output starts on a fresh line. */
  finish(): void {
    if (this.#lineOpen) {
      this.#out.write('\n');
      this.#lineOpen = false;
      this.#lastWidth = 0;
    }
  }
}
