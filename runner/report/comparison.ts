// A compare stage's table as the report shows it: the rows and columns its metrics.json holds ({columns: [header],
// rows: [{name, <metric>: value}]}), each column with the digits and format the pipeline gave it. The headers in
// metrics.json are display names; the metric keys come from the stage's params in the record's config, or else
// from the rows' own keys in order (compare writes them in column order).
import { formatCell, type CompareColumn } from '../../stages/compare.ts';
import { isRecord } from '../runs/entry-files.ts';
import { escapeHtml, htmlTable } from './html.ts';
import { formatReportNumber } from './numbers.ts';

type Cell = number | string | boolean | null;

export interface Comparison {
  columns: (CompareColumn & { name: string })[];
  rows: Record<string, Cell>[];
}

export function readComparison(json: Record<string, unknown>, params: Record<string, unknown>): Comparison | undefined {
  const { columns: headers, rows } = json;
  if (!Array.isArray(headers) || !Array.isArray(rows) || !rows.every(isRecord)) return undefined;
  const fromParams = Array.isArray(params.columns)
    ? params.columns.map((c): CompareColumn => (typeof c === 'string' ? { metric: c } : (c as CompareColumn)))
    : [];
  const keys = Object.keys(rows[0] ?? {}).filter((k) => k !== 'name');
  const columns = headers.map((header, i) => {
    const given = fromParams.length === headers.length ? fromParams[i] : undefined;
    return { ...given, metric: given?.metric ?? keys[i] ?? String(header), name: String(header) };
  });
  return { columns, rows: rows as Record<string, Cell>[] };
}

/** A cell as compare prints it when the pipeline fixed its digits or format; else rounded by the metric's name. */
export function formatComparisonCell(value: Cell | undefined, column: CompareColumn): string {
  if (typeof value === 'number' && column.digits === undefined && column.format !== 'duration')
    return formatReportNumber(value, column.metric);
  return formatCell(value ?? null, column);
}

/** The table: a row per compared row, its name first; long texts wrap inside their cell. */
export function comparisonTable(c: Comparison): string {
  const numeric = c.columns.flatMap((col, i) => (c.rows.some((r) => typeof r[col.metric] === 'number') ? [i + 1] : []));
  return htmlTable(
    ['', ...c.columns.map((col) => escapeHtml(col.name))],
    c.rows.map((row) => [
      escapeHtml(String(row.name ?? '')),
      ...c.columns.map((col) => {
        const text = escapeHtml(formatComparisonCell(row[col.metric], col));
        return typeof row[col.metric] === 'string' ? `<span class="text">${text}</span>` : text;
      }),
    ]),
    { numeric, className: 'compare' },
  );
}
