// The CSV that result tables are written as (history.csv, steps.csv, comparison.csv) and the run views read back:
// one header row with every column any row has, in first-seen order; a missing value is an empty field; a field
// holding a comma, quote or newline is quoted as RFC 4180 says.

/** A row of a result table: column → value. */
export type TableRow = Record<string, number | string>;

export function formatCsv(rows: readonly TableRow[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const quote = (v: unknown) => {
    const text = v === undefined ? '' : String(v);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return (
    [columns.map(quote).join(','), ...rows.map((r) => columns.map((c) => quote(r[c])).join(','))].join('\n') + '\n'
  );
}
