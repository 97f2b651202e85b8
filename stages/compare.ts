// The `compare` stage (schemas/stages/compare.schema.json): a table of figures from several stages' outputs.
// Inputs a … h each name a stage whose output folder holds metrics.json (evaluate, finetune, lora, train);
// `rows` gives each row a name and the inputs it reads (the first that has a figure gives it), `columns` the
// figures shown. Output: a metrics artifact, comparison.csv and metrics.json {columns, rows}; the table is
// printed in the run summary.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactRef, Stage } from './stage.ts';
import { formatCsv } from '../runner/runs/metrics-export.ts';
import { writeMetricsJson } from './training/result-files.ts';

export const COMPARE_PORTS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] as const;
export type ComparePort = (typeof COMPARE_PORTS)[number];

export interface CompareColumn {
  /** The figure's key in metrics.json, e.g. valid_perplexity. */
  metric: string;
  /** Header; default the metric name. */
  name?: string;
  /** Decimal places; default: integers and numbers ≥ 1,000 as whole numbers, others to 4 significant digits. */
  digits?: number;
}

export interface CompareParams {
  rows: { name: string; from: ComparePort[] }[];
  columns: (string | CompareColumn)[];
  title?: string;
}

type Cell = number | string | boolean | null;

export const compareStage: Stage<CompareParams> = {
  kind: 'compare',
  version: 1,
  compute: false,
  async run(ctx, params, inputs) {
    const where = `stage ${ctx.stageId}`;
    const columns = params.columns.map((c) => (typeof c === 'string' ? { metric: c } : c));
    const figures = new Map<string, Record<string, Cell>>();
    for (const [port, ref] of Object.entries(inputs)) figures.set(port, await readFigures(ref));
    const table: Record<string, Cell>[] = params.rows.map((row) => {
      const missing = row.from.filter((port) => !inputs[port]);
      if (missing.length > 0) throw new Error(`${where}: row "${row.name}" reads ${missing.join(', ')}, which name no stage (set \`${missing[0]}: <stage>\`)`);
      const cells: Record<string, Cell> = { name: row.name };
      for (const c of columns) cells[c.metric] = row.from.map((port) => figures.get(port)![c.metric]).find((v) => v !== undefined && v !== null) ?? null;
      return cells;
    });

    const headers = ['', ...columns.map((c) => c.name ?? c.metric)];
    const text = table.map((row) => [String(row.name), ...columns.map((c) => formatCell(row[c.metric], c.digits))]);
    await writeFile(join(ctx.outDir, 'comparison.csv'), formatCsv(table.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? '' : typeof v === 'boolean' ? String(v) : v])))));
    await writeMetricsJson(ctx.outDir, { columns: headers.slice(1), rows: table });
    const metrics: Record<string, Cell> = {};
    for (const row of table) for (const c of columns) if (typeof row[c.metric] === 'number') metrics[`${slug(String(row.name))}_${c.metric}`] = row[c.metric];
    return { metrics, summary: [...(params.title ? [params.title] : []), ...formatTable(headers, text)] };
  },
};

/** Top-level scalars of the input's metrics.json; {} when it has none. */
async function readFigures(ref: ArtifactRef): Promise<Record<string, Cell>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(ref.dir, 'metrics.json'), 'utf8'));
  } catch {
    return {};
  }
  const out: Record<string, Cell> = {};
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

export function formatCell(value: Cell | undefined, digits?: number): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'number') return String(value);
  if (digits !== undefined) return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}

/** Columns padded to their widest cell; the first left-aligned, the figures right-aligned. */
export function formatTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}
