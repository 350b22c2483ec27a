import { type Detection, resolveWindow, type SeriesWindow } from '@meerkat/gradip';
import type { RunConfig } from '../config/parse-run-config.js';
import type { ClientGradipSteps, ClientKind, GradipSteps } from '../run-files.js';

/** The detector's windows as `@meerkat/gradip` takes them (from `vp.detector`). */
export function detectorWindows(config: RunConfig): {
  readonly initial: SeriesWindow;
  readonly later: SeriesWindow;
} {
  const { detector } = config.vp;
  return {
    initial: { from: 0, length: detector.initialSteps },
    later: { fromEnd: detector.laterSteps },
  };
}

/**
 * The content of RUN_DIR/gradip.json: each client's per-step GradIP series of the calibration
 * path with the detector's resolved windows, features and verdict (`detections`, from
 * `detectExtremeClients` over the same `series`). Clients are listed in `clients` order.
 */
export function gradipStepsFile(options: {
  readonly config: RunConfig;
  readonly round: number;
  readonly clients: readonly { readonly id: string; readonly kind: ClientKind }[];
  readonly series: ReadonlyMap<string, ArrayLike<number>>;
  readonly detections: readonly Detection[];
}): GradipSteps {
  const { config } = options;
  const { detector } = config.vp;
  const windows = detectorWindows(config);
  const verdicts = new Map(options.detections.map((d) => [d.clientId, d]));
  const clients: ClientGradipSteps[] = [];
  for (const c of options.clients) {
    const series = options.series.get(c.id);
    const d = verdicts.get(c.id);
    if (series === undefined || d === undefined) continue;
    const f = d.features;
    clients.push({
      clientId: c.id,
      kind: c.kind,
      gradip: Array.from(series),
      initialWindow: resolveWindow(windows.initial, series.length, 'initial'),
      laterWindow: resolveWindow(windows.later, series.length, 'later'),
      initialScale: f.initialScale,
      laterScale: f.laterScale,
      rhoLater: Number.isFinite(f.rhoLater) ? f.rhoLater : null,
      sigma: f.sigma,
      rhoQuiet: f.rhoQuiet,
      flagged: d.flagged,
      reason: d.reason,
    });
  }
  return {
    version: 1,
    round: options.round,
    calibrationRounds: config.vp.calibrationRounds,
    calibrationSteps: config.vp.calibrationSteps,
    directions: config.directions,
    detector: {
      initialSteps: detector.initialSteps,
      laterSteps: detector.laterSteps,
      sigmaRel: detector.sigmaRel,
      tauLater: detector.tauLater,
      tauQuiet: detector.tauQuiet,
      combine: detector.combine,
    },
    clients,
  };
}
