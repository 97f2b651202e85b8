// Parquet files (e.g. Hugging Face's converted datasets) read with hyparquet: the text and label columns only.
// Strings come back decoded as UTF-8; a label may be any scalar (kept as its text, e.g. 1 → "1").
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { readRegularFile } from '../../lib/fs/regular-file.ts';
import { DataError, type ColumnMap, type RawRows } from './rows.ts';

export async function readParquetRows(path: string, columns: ColumnMap, display: string): Promise<RawRows> {
  const bytes = await readRegularFile(path); // never a FIFO or a device: they block or never end
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata;
  try {
    metadata = parquetMetadata(file);
  } catch (error) {
    throw new DataError(`${display}: not a parquet file (${(error as Error).message})`);
  }
  const names = parquetSchema(metadata).children.map((child) => child.element.name);
  const wanted = [columns.text, ...(columns.label === undefined ? [] : [columns.label])];
  for (const [role, name] of [
    ['text', columns.text],
    ['label', columns.label],
  ] as const) {
    if (name !== undefined && !names.includes(name)) {
      throw new DataError(
        `${display}: no column "${name}" for the ${role}; the columns are ${names.map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
  }
  const records = await parquetReadObjects({ file, metadata, columns: wanted });
  const texts = records.map((record, i) => {
    const text = record[columns.text];
    if (typeof text !== 'string')
      throw new DataError(
        `${display}: row ${i}: "${columns.text}" is ${text === null ? 'null' : typeof text}, not a string`,
      );
    return text;
  });
  const labels = columns.label === undefined ? null : records.map((record) => String(record[columns.label!] ?? ''));
  return { texts, labels, where: (row) => `${display}: row ${row}` };
}
