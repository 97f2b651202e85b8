// Rows written back in their source's canonical text form, to check them against a published sha256:
//   csv       header + one line per row, RFC 4180 quoting only where needed (a field holding a comma, a quote or a
//             line break is quoted, inner quotes doubled), "\n" line endings: how the catalog's IMDB CSV is written
//   wikitext  the original wiki.*.raw file: each row as is, except that an empty row was the blank line " \n"
import { createHash } from 'node:crypto';
import type { RawRows } from './rows.ts';
import { wikitextRawText } from './text-lines.ts';

export type CanonicalForm = 'csv' | 'wikitext';

export function canonicalSha256(form: CanonicalForm, rows: RawRows, header: { text: string; label?: string }): string {
  const hash = createHash('sha256');
  if (form === 'wikitext') {
    hash.update(wikitextRawText(rows.texts));
  } else {
    const labels = rows.labels;
    hash.update(csvLine(labels ? [header.text, header.label ?? ''] : [header.text]));
    // Hash in batches: one string per row would be 50,000 update() calls, one string for all a 66 MB copy.
    let batch: string[] = [];
    for (let i = 0; i < rows.texts.length; i++) {
      batch.push(csvLine(labels ? [rows.texts[i], labels[i]] : [rows.texts[i]]));
      if (batch.length === 1000) {
        hash.update(batch.join(''));
        batch = [];
      }
    }
    hash.update(batch.join(''));
  }
  return hash.digest('hex');
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + '\n';
}

function csvField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}
