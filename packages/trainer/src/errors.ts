/** Stable machine-readable codes for every error the `meerkat` package raises. */
export type MeerkatErrorCode =
  /** The run config failed validation; `issues` lists every problem. */
  | 'MEERKAT_CONFIG_INVALID'
  /** A data file (JSONL, CSV) or corpus is missing, malformed or has an unknown label. */
  | 'MEERKAT_DATA_INVALID'
  /** A file the run needs does not exist. */
  | 'MEERKAT_FILE_NOT_FOUND'
  /** A mask file belongs to another model (layout fingerprint or size differ) or lacks gradMean. */
  | 'MEERKAT_MASK_MISMATCH'
  /** The method needs a backend capability (gradients) the chosen backend lacks. */
  | 'MEERKAT_BACKEND_UNSUPPORTED'
  /** A protocol message that cannot be decoded or does not fit the run. */
  | 'MEERKAT_PROTOCOL'
  /** A run directory / checkpoint that cannot be resumed. */
  | 'MEERKAT_CHECKPOINT_INVALID'
  /** A round's deadline and its grace period passed with fewer updates than `minQuorum`. */
  | 'MEERKAT_QUORUM_NOT_MET'
  /**
   * A client of a run over a network found no coordinator for it in time: no manifest published
   * within its wait, or a run its coordinator has ended without telling it.
   */
  | 'MEERKAT_COORDINATOR_UNAVAILABLE'
  | 'MEERKAT_DIVERGED'
  /** API misuse (e.g. `run()` twice). */
  | 'MEERKAT_INVALID_STATE';

/** One problem found in a run config: where, what, and what would have been accepted. */
export interface ConfigIssue {
  /** Dotted path into the config, e.g. `partition.alpha` or `task.verbalizer`. */
  readonly path: string;
  readonly message: string;
  /** The allowed values or range, when the schema knows them (e.g. `'iid' | 'dirichlet'`). */
  readonly allowed?: string;
}

/** The one error class of `meerkat`; switch on `code`, not on the message. */
export class MeerkatError extends Error {
  override readonly name = 'MeerkatError';
  readonly code: MeerkatErrorCode;
  /** For `MEERKAT_CONFIG_INVALID`: every problem, in schema order. Empty otherwise. */
  readonly issues: readonly ConfigIssue[];

  constructor(
    code: MeerkatErrorCode,
    message: string,
    options?: ErrorOptions & { issues?: readonly ConfigIssue[] },
  ) {
    super(message, options);
    this.code = code;
    this.issues = options?.issues ?? [];
  }
}

/** `path: message (allowed: …)`, the one-line form of a config issue. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const path = issue.path === '' ? '(config)' : issue.path;
  return issue.allowed === undefined
    ? `${path}: ${issue.message}`
    : `${path}: ${issue.message} (allowed: ${issue.allowed})`;
}
