import { MeerkatError } from '../errors.js';
import type { LabeledExample } from './labeled-example.js';
import { checkedExample } from './load-jsonl.js';
import { readTextFile } from './read-text-file.js';

interface CsvRow {
  readonly fields: string[];
  /** 1-based line where the record starts. */
  readonly line: number;
}

/** RFC 4180 records: quoted fields may hold the delimiter, `""` and line breaks. */
export function parseCsv(text: string, delimiter: string, path: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let i = 0;
  let fieldStarted = false;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) rows.push({ fields, line: start });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
          throw new MeerkatError(
            'MEERKAT_DATA_INVALID',
            `${path}:${line}: unexpected ${JSON.stringify(next)} after a closing quote`,
          );
        }
        continue;
      }
      if (ch === '\n') line++;
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && !fieldStarted && field === '') {
      quoted = true;
      fieldStarted = true;
      i++;
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
      fieldStarted = false;
      i++;
    } else if (ch === '\r' || ch === '\n') {
      endRecord();
      if (ch === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
      start = line;
    } else {
      field += ch;
      fieldStarted = true;
      i++;
    }
  }
  if (quoted)
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `${path}:${start}: a quoted field is never closed`,
    );
  if (field !== '' || fields.length > 0) endRecord();
  return rows;
}

/**
 * Reads a CSV file whose header row names a `text` and a `label` column (and optionally
 * `group`); other columns are ignored. Errors name the file and the line.
 */
export function loadCsv(path: string, delimiter = ','): LabeledExample[] {
  const rows = parseCsv(readTextFile(path, 'CSV data'), delimiter, path);
  const header = rows[0];
  if (header === undefined)
    throw new MeerkatError('MEERKAT_DATA_INVALID', `${path}: no header row (the file is empty)`);
  const names = header.fields.map((f) => f.trim());
  const col = (name: string) => names.indexOf(name);
  for (const required of ['text', 'label']) {
    if (col(required) < 0) {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `${path}:${header.line}: the header has no "${required}" column (columns: ${names.map((n) => JSON.stringify(n)).join(', ')})`,
      );
    }
  }
  const textCol = col('text');
  const labelCol = col('label');
  const groupCol = col('group');
  const out = rows.slice(1).map((row) => {
    if (row.fields.length !== names.length) {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `${path}:${row.line}: ${row.fields.length} fields, the header has ${names.length}`,
      );
    }
    return checkedExample(
      row.fields[textCol],
      row.fields[labelCol]!.trim(),
      groupCol < 0 ? undefined : row.fields[groupCol],
      `${path}:${row.line}`,
    );
  });
  if (out.length === 0)
    throw new MeerkatError('MEERKAT_DATA_INVALID', `${path}: a header but no examples`);
  return out;
}
