// The `compare` stage (schemas/stages/compare.schema.json): a table of figures from several stages' outputs.
// `rows` names each row and lists the stages it reads (an input port of named lists: each ref is bound under
// listInputKey('rows', name, i)); for each column the first of them that has the figure gives it. A stage's figures
// are the top-level scalars of its metrics.json, and for a generate stage generated_text and prompt of its first
// text. Output: a metrics artifact, comparison.csv and metrics.json {columns, rows}; the table is printed in the
// run summary, long texts under it.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listInputKey, type ArtifactRef, type Stage } from './stage.ts';
import { formatCsv } from './artifacts/csv-table.ts';
import { formatNumber } from '../lib/text/number.ts';
import { formatTable } from '../lib/text/table.ts';
import { METRICS_FILE, TEXTS_FILE, writeMetricsJson } from './artifacts/result-files.ts';

export interface CompareColumn {
  /** The figure's key, e.g. valid_perplexity. */
  metric: string;
  /** Header; default the metric name. */
  name?: string;
  /** Decimal places; default: integers and numbers ≥ 1,000 as whole numbers, others to 4 significant digits. */
  digits?: number;
  /** duration: a number of seconds shown as 14m 30.4s. */
  format?: 'number' | 'duration';
}

export interface CompareParams {
  /** Row name → the refs it reads, in order of preference (the refs themselves are inputs). */
  rows: Record<string, string[]>;
  columns: (string | CompareColumn)[];
  title?: string;
}

type Cell = number | string | boolean | null;

/** A text cell longer than this goes under the table rather than into it. */
const TABLE_TEXT_CHARS = 40;

export const compareStage: Stage<CompareParams> = {
  kind: 'compare',
  version: 2, // 2: rows named, each listing its stages; texts of generate stages
  compute: false,
  async run(ctx, params, inputs) {
    const where = `stage ${ctx.stageId}`;
    const columns = params.columns.map((c): CompareColumn => (typeof c === 'string' ? { metric: c } : c));
    const table: Record<string, Cell>[] = [];
    for (const [name, refs] of Object.entries(params.rows)) {
      const figures: Record<string, Cell>[] = [];
      for (const i of refs.keys()) {
        const input = inputs[listInputKey('rows', name, i)];
        if (!input) throw new Error(`${where}: row "${name}" has no input for ${refs[i]}`);
        figures.push(await readFigures(input));
      }
      const cells: Record<string, Cell> = { name };
      for (const c of columns)
        cells[c.metric] = figures.map((f) => f[c.metric]).find((v) => v !== undefined && v !== null) ?? null;
      table.push(cells);
    }

    const isLong = (c: CompareColumn) =>
      table.some((row) => typeof row[c.metric] === 'string' && String(row[c.metric]).length > TABLE_TEXT_CHARS);
    const inTable = columns.filter((c) => !isLong(c));
    const below = columns.filter(isLong);
    const headers = ['', ...inTable.map((c) => c.name ?? c.metric)];
    const text = table.map((row) => [String(row.name), ...inTable.map((c) => formatCell(row[c.metric], c))]);
    const paragraphs = below.flatMap((c) =>
      table.map((row) => `${row.name}, ${c.name ?? c.metric}: ${formatCell(row[c.metric], c)}`),
    );

    await writeFile(
      join(ctx.outDir, 'comparison.csv'),
      formatCsv(
        table.map((row) =>
          Object.fromEntries(
            Object.entries(row).map(([k, v]) => [k, v === null ? '' : typeof v === 'boolean' ? String(v) : v]),
          ),
        ),
      ),
    );
    await writeMetricsJson(ctx.outDir, { columns: columns.map((c) => c.name ?? c.metric), rows: table });
    const metrics: Record<string, Cell> = {};
    for (const row of table)
      for (const c of columns)
        if (typeof row[c.metric] === 'number') metrics[`${slug(String(row.name))}_${c.metric}`] = row[c.metric];
    return {
      metrics,
      summary: [
        ...(params.title ? [params.title] : []),
        ...formatTable([headers, ...text], { right: (column) => column > 0, rule: true }),
        ...paragraphs,
      ],
    };
  },
};

/** Top-level scalars of the input's metrics.json, and a generate stage's first prompt and text; {} when none. */
async function readFigures(ref: ArtifactRef): Promise<Record<string, Cell>> {
  const out: Record<string, Cell> = {};
  const metrics = await readJson(join(ref.dir, METRICS_FILE));
  for (const [k, v] of Object.entries(isRecord(metrics) ? metrics : {})) {
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  const texts = await readJson(join(ref.dir, TEXTS_FILE));
  const first = isRecord(texts) && Array.isArray(texts.texts) ? texts.texts[0] : undefined;
  if (isRecord(first)) {
    if (typeof first.text === 'string') out.generated_text = first.text;
    if (typeof first.prompt === 'string') out.prompt = first.prompt;
  }
  return out;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function formatCell(value: Cell | undefined, column: Pick<CompareColumn, 'digits' | 'format'> = {}): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'number') return String(value);
  if (column.format === 'duration') return formatDuration(value);
  return formatNumber(value, column.digits);
}

/** 870.4 → "14m 30.4s", as the homework writes training times; under a minute "8.3s". */
export function formatDuration(seconds: number): string {
  const tenths = Math.round(seconds * 10);
  const minutes = Math.floor(tenths / 600);
  const rest = ((tenths - minutes * 600) / 10).toFixed(1);
  return minutes > 0 ? `${minutes}m ${rest}s` : `${rest}s`;
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}
