// Rows as the file readers produce them, before label names become ids.
export interface RawRows {
  texts: string[];
  /** The label of each row as written in the file, or null for unlabelled text. */
  labels: string[] | null;
  /** Where row i came from, for messages: e.g. "data/IMDB.csv:1234". */
  where(row: number): string;
}

/** Which columns (CSV header names, JSONL keys, parquet columns) hold the text and the label. */
export interface ColumnMap {
  text: string;
  label?: string;
}

export class DataError extends Error {
  override name = 'DataError';
}
