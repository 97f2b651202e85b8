// Report charts as Vega-Lite specs, rendered to inline SVG in Node (vega View, renderer 'none', toSVG) — no
// browser, no network, no drawing code of our own.
//   curveRows(runs, 'loss', 'epoch')  → [{run: 'A', split: 'train', x: 1, y: 0.69}, {run: 'A', split: 'valid', ...}]
//   curveSpec({title, x: 'epoch', y: 'loss', rows, overlay}) → a line chart with a point per row
//   confusionSpec(matrix, labels) → a heatmap with the count in each cell
import type { TableRow } from '../../stages/artifacts/csv-table.ts';

export type VegaLiteSpec = Record<string, unknown>;

export interface CurveRow {
  run: string;
  split: string;
  x: number;
  y: number;
}

/**
 * Points of one quantity (`loss`, `acc`) per x (`epoch`, `step`) from history-like tables: a column named
 * exactly `quantity` is the train split; `<split>_<quantity>` columns (train_loss, valid_loss) name theirs.
 */
export function curveRows(
  runs: readonly { label: string; rows: readonly TableRow[] }[],
  quantity: string,
  xColumn: string,
): CurveRow[] {
  const out: CurveRow[] = [];
  for (const { label, rows } of runs) {
    for (const row of rows) {
      const x = row[xColumn];
      if (typeof x !== 'number') continue;
      for (const [column, y] of Object.entries(row)) {
        const split =
          column === quantity
            ? 'train'
            : column.endsWith(`_${quantity}`)
              ? column.slice(0, -quantity.length - 1)
              : undefined;
        if (split !== undefined && typeof y === 'number' && Number.isFinite(y)) out.push({ run: label, split, x, y });
      }
    }
  }
  return out;
}

export interface CurveOptions {
  title: string;
  x: string;
  y: string;
  rows: CurveRow[];
}

/** The split legend of overlaid runs: a grey stroke per dash (Vega-Lite's default encodes it transparent). */
const DASH_LEGEND = {
  symbolType: 'stroke',
  symbolStrokeWidth: 2,
  encode: { symbols: { update: { stroke: { value: '#555' } } } },
};

/** One run: colour by split. Several: colour by run, dash by split (train solid, valid dashed). */
export function curveSpec(options: CurveOptions): VegaLiteSpec {
  const runs = new Set(options.rows.map((r) => r.run));
  const overlay = runs.size > 1;
  const splitScale = { domain: [...new Set(options.rows.map((r) => r.split))].sort(splitOrder) };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: 420,
    height: 240,
    data: { values: options.rows },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.x, axis: { tickMinStep: 1 } },
      y: { field: 'y', type: 'quantitative', title: options.y, scale: { zero: false } },
      color: overlay
        ? { field: 'run', type: 'nominal', title: 'run' }
        : { field: 'split', type: 'nominal', title: 'split', scale: splitScale },
      ...(overlay
        ? { strokeDash: { field: 'split', type: 'nominal', title: 'split', scale: splitScale, legend: DASH_LEGEND } }
        : {}),
      detail: [{ field: 'run' }, { field: 'split' }],
      order: { field: 'x' },
    },
  };
}

function splitOrder(a: string, b: string): number {
  const rank = (s: string) => ['train', 'valid', 'test'].indexOf(s) >>> 0;
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** matrix[actual][predicted] = count. Labels default to the class index. */
export function confusionSpec(
  matrix: number[][],
  labels?: readonly string[],
  title = 'confusion matrix',
): VegaLiteSpec {
  const name = (i: number) => labels?.[i] ?? String(i);
  const values = matrix.flatMap((row, i) => row.map((count, j) => ({ actual: name(i), predicted: name(j), count })));
  const order = matrix.map((_, i) => name(i));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: Math.min(420, 60 * matrix.length),
    height: Math.min(420, 60 * matrix.length),
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: order, title: 'predicted' },
      y: { field: 'actual', type: 'ordinal', sort: order, title: 'actual' },
    },
    layer: [
      {
        mark: { type: 'rect', tooltip: true },
        encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' } } },
      },
      { mark: { type: 'text', fontSize: 13 }, encoding: { text: { field: 'count', type: 'quantitative' } } },
    ],
  };
}

/** Compiles Vega-Lite to Vega and renders it headless to an SVG string (vega is loaded on first use). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
