/** Something a progress line can be written to; `isTTY` decides whether a bar is drawn. */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Receives a download's progress: `start` once per attempt, `advance` per chunk, `end` once. */
export interface DownloadProgress {
  start(what: string, totalBytes: number | null, alreadyBytes: number): void;
  advance(bytes: number): void;
  end(): void;
}

const MiB = 1024 * 1024;
const BAR_WIDTH = 24;

const mib = (bytes: number) => (bytes / MiB).toFixed(1);

/**
 * A one-line progress bar redrawn with `\r` on a terminal (`label ███░░ 12.0/58.0 MiB 21%
 * 4.5 MiB/s`), at most every 100 ms; on anything else (a pipe, a log file, CI) nothing at all, so
 * logs stay clean. Returns null when `sink` is not a terminal.
 */
export function terminalProgress(sink: ProgressSink | null | undefined): DownloadProgress | null {
  if (sink === null || sink === undefined || sink.isTTY !== true) return null;
  let what = '';
  let total: number | null = null;
  let done = 0;
  let startedAt = 0;
  let startBytes = 0;
  let lastDraw = 0;
  let width = 0;
  const draw = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const seconds = Math.max(1e-3, (now - startedAt) / 1000);
    const rate = `${mib((done - startBytes) / seconds)} MiB/s`;
    let line: string;
    if (total !== null && total > 0) {
      const fraction = Math.min(1, done / total);
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
      line = `${what} ${bar} ${mib(done)}/${mib(total)} MiB ${Math.floor(fraction * 100)}% ${rate}`;
    } else line = `${what} ${mib(done)} MiB ${rate}`;
    sink.write(`\r${line.padEnd(width)}`);
    width = line.length;
  };
  return {
    start(w, totalBytes, alreadyBytes) {
      what = w;
      total = totalBytes;
      done = alreadyBytes;
      startBytes = alreadyBytes;
      startedAt = performance.now();
      draw(true);
    },
    advance(bytes) {
      done += bytes;
      draw(false);
    },
    end() {
      draw(true);
      sink.write('\n');
      width = 0;
    },
  };
}
