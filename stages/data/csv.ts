// CSV files, streamed through csv-parse (RFC 4180: quoted fields may hold commas, quotes and line breaks).
// The first record is the header; blank lines are skipped, a UTF-8 BOM is dropped. Errors name file:line.
import { parse, CsvError } from 'csv-parse';
import { readDecoded, type ReadOptions, type ReadOutcome } from './read-file.ts';
import { DataError, type ColumnMap, type RawRows } from './rows.ts';

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/** Reads the `columns` of a CSV file; `display` is the file name used in messages. */
export async function readCsvRows(
  path: string,
  columns: ColumnMap,
  display: string,
  options: ReadOptions = {},
): Promise<ReadOutcome<RawRows>> {
  return readDecoded(path, (chunks) => parseCsvRows(chunks, columns, display), options);
}

export async function parseCsvRows(
  chunks: AsyncIterable<Buffer | string>,
  columns: ColumnMap,
  display: string,
): Promise<RawRows> {
  const texts: string[] = [];
  const labels: string[] | null = columns.label === undefined ? null : [];
  const lines: number[] = [];
  let textIndex = -1;
  let labelIndex = -1;
  let lastLine = 0;
  const parser = parse({ bom: true, skip_empty_lines: true, info: true, relax_column_count: false });
  const feed = (async () => {
    try {
      for await (const chunk of chunks) if (!parser.write(chunk)) await new Promise((r) => parser.once('drain', r));
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  try {
    for await (const { record, info } of parser as AsyncIterable<ParsedRecord>) {
      if (textIndex < 0) {
        textIndex = findColumn(record, columns.text, 'text', display);
        if (columns.label !== undefined) labelIndex = findColumn(record, columns.label, 'label', display);
        lastLine = info.lines;
        continue;
      }
      texts.push(record[textIndex]);
      labels?.push(record[labelIndex]);
      // info.lines is the line a record ends on; a quoted field with line breaks starts earlier.
      lines.push(lastLine + 1);
      lastLine = info.lines;
    }
  } catch (error) {
    throw describeCsvError(error, display, lastLine);
  }
  await feed;
  if (textIndex < 0) throw new DataError(`${display}: the file is empty (no header row)`);
  return { texts, labels, where: (row) => `${display}:${lines[row]}` };
}

function findColumn(header: string[], name: string, role: string, display: string): number {
  const index = header.indexOf(name);
  if (index < 0) {
    throw new DataError(
      `${display}:1: no column "${name}" for the ${role}; the columns are ${header.map((h) => JSON.stringify(h)).join(', ')}`,
    );
  }
  return index;
}

function describeCsvError(error: unknown, display: string, lastGoodLine: number): Error {
  if (!(error instanceof CsvError)) return error as Error;
  const context = error as CsvError & { lines?: number };
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new DataError(
        `${display}:${lastGoodLine + 1}: a quoted field that starts on this row is never closed (${error.message})`,
      );
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return new DataError(
        `${display}:${context.lines}: malformed row: ${error.message}; a field holding a comma must be quoted`,
      );
    default:
      return new DataError(`${display}:${context.lines}: malformed row: ${error.message}`);
  }
}
