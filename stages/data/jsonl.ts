// JSON Lines: one object per line; blank lines are skipped. The text must be a string; a label may be a string, a
// number or a boolean (kept as its JSON text, e.g. 1 → "1"). Errors name file:line.
import { DataError, type ColumnMap, type RawRows } from './rows.ts';
import { normalizeNewlines } from './text-lines.ts';

export function parseJsonlRows(content: string, columns: ColumnMap, display: string): RawRows {
  const texts: string[] = [];
  const labels: string[] | null = columns.label === undefined ? null : [];
  const lines: number[] = [];
  normalizeNewlines(content)
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${display}:${i + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new DataError(`${where}: not valid JSON (${(error as Error).message})`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw new DataError(`${where}: expected a JSON object per line`);
      const record = value as Record<string, unknown>;
      texts.push(stringField(record, columns.text, 'text', where, false));
      if (labels) labels.push(stringField(record, columns.label!, 'label', where, true));
      lines.push(i + 1);
    });
  return { texts, labels, where: (row) => `${display}:${lines[row]}` };
}

function stringField(
  record: Record<string, unknown>,
  key: string,
  role: string,
  where: string,
  scalarOk: boolean,
): string {
  if (!(key in record)) {
    throw new DataError(
      `${where}: no key "${key}" for the ${role}; this line has ${
        Object.keys(record)
          .map((k) => JSON.stringify(k))
          .join(', ') || 'no keys'
      }`,
    );
  }
  const value = record[key];
  if (typeof value === 'string') return value;
  if (scalarOk && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  throw new DataError(
    `${where}: "${key}" is ${value === null ? 'null' : typeof value}; the ${role} must be a string${scalarOk ? ', number or boolean' : ''}`,
  );
}
