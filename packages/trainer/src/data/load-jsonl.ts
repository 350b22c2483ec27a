import { MeerkatError } from '../errors.js';
import type { LabeledExample } from './labeled-example.js';
import { readTextFile } from './read-text-file.js';

/**
 * Reads a JSONL file: one JSON object per non-blank line with a string `text` and a string (or
 * integer) `label`, and optionally a string `group`. Errors name the file and the line.
 */
export function loadJsonl(path: string): LabeledExample[] {
  return readJsonlObjects(path, 'JSONL data', '"text" and "label"').map(({ row, where }) =>
    checkedExample(row.text, row.label, row.group, where),
  );
}

/**
 * The objects of a JSONL file with where each came from (`path:line`): one JSON object per
 * non-blank line (`expected` names its fields in errors); an empty file is an error.
 */
export function readJsonlObjects(
  path: string,
  what: string,
  expected: string,
): { row: Record<string, unknown>; where: string }[] {
  const text = readTextFile(path, what);
  const out: { row: Record<string, unknown>; where: string }[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${path}:${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (cause) {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `${where}: not valid JSON (${(cause as Error).message})`,
        { cause },
      );
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `${where}: expected a JSON object with ${expected}`,
      );
    }
    out.push({ row: row as Record<string, unknown>, where });
  });
  if (out.length === 0)
    throw new MeerkatError('MEERKAT_DATA_INVALID', `${path}: no examples (the file is empty)`);
  return out;
}

/** Validates the fields of one example (shared by the JSONL and CSV loaders). */
export function checkedExample(
  text: unknown,
  label: unknown,
  group: unknown,
  where: string,
): LabeledExample {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `${where}: "text" must be a non-empty string, got ${JSON.stringify(text)}`,
    );
  }
  const labelName = typeof label === 'number' && Number.isInteger(label) ? String(label) : label;
  if (typeof labelName !== 'string' || labelName === '') {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `${where}: "label" must be a non-empty string or an integer, got ${JSON.stringify(label)}`,
    );
  }
  if (group !== undefined && group !== null && typeof group !== 'string') {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `${where}: "group" must be a string when present, got ${JSON.stringify(group)}`,
    );
  }
  return typeof group === 'string' && group !== ''
    ? { text, label: labelName, group, source: where }
    : { text, label: labelName, source: where };
}
