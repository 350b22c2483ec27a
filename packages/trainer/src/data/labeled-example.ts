/** One labelled text example of a classification task. */
export interface LabeledExample {
  readonly text: string;
  /** Label name (a key of the task's verbalizer). */
  readonly label: string;
  /** A natural group (SpamAssassin: its folder), for the `groups` partition. */
  readonly group?: string;
  /** Where it came from, e.g. `data.jsonl:12`, for error messages. */
  readonly source?: string;
}
