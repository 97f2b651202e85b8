// Report charts as Vega-Lite specs. Each is rendered to SVG in Node (vega View, renderer 'none', toSVG) for the
// page as written, and compiled to a Vega spec that the page's inline Vega runtime draws live on load (live.ts):
// the same spec both ways, so the static picture and the interactive one cannot disagree.
//   curveRows([{label, rows}], 'loss', 'epoch') → [{series: 'A', split: 'train', x: 1, y: 0.69}, ...]
//   curveSpec({title, x: 'epoch', y: 'loss', rows, legend: 'stage'}) → lines with a point per row
//   xyCurveSpec({title, x, y, rows}) → ROC or precision-recall lines, one per series, on [0, 1] axes
//   confusionSpec(matrix, labels) → a heatmap with the count in each cell
// Every chart has tooltips; the line charts have a legend whose entries can be clicked (shift-click for several) to
// bring one series forward and fade the others: a Vega-Lite point selection bound to the legend.
import type { TableRow } from '../../stages/artifacts/csv-table.ts';

export type VegaLiteSpec = Record<string, unknown>;

export interface CurveRow {
  /** The line's owner: a run, a stage, or both ('lab1 · train'). */
  series: string;
  split: string;
  x: number;
  y: number;
}

/**
 * Points of one quantity (`loss`, `acc`) per x (`epoch`, `step`) from history-like tables: a column named
 * exactly `quantity` is the train split; `<split>_<quantity>` columns (train_loss, valid_loss) name theirs.
 */
export function curveRows(
  tables: readonly { label: string; rows: readonly TableRow[] }[],
  quantity: string,
  xColumn: string,
): CurveRow[] {
  const out: CurveRow[] = [];
  for (const { label, rows } of tables) {
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
        if (split !== undefined && typeof y === 'number' && Number.isFinite(y))
          out.push({ series: label, split, x, y });
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
  /** What a series is, as the legend titles it: 'run', 'stage', 'run · stage'. Default 'run'. */
  legend?: string;
  /** d3 format of y in tooltips: '.4f' for probabilities, '.4~r' (4 significant) for losses. */
  yFormat?: string;
}

/** The split legend of overlaid series: a grey stroke per dash (Vega-Lite's default encodes it transparent). */
const DASH_LEGEND = {
  symbolType: 'stroke',
  symbolStrokeWidth: 2,
  encode: { symbols: { update: { stroke: { value: '#555' } } } },
};

/** The selection a legend click makes, and the opacity it gives: the picked series solid, the rest faded. */
const PICK = 'legend_pick';
const pickParams = (field: string) => [{ name: PICK, select: { type: 'point', fields: [field] }, bind: 'legend' }];
const pickOpacity = { condition: { param: PICK, value: 1 }, value: 0.15 };

/** One series: colour by split. Several: colour by series, dash by split (train solid, valid dashed). */
export function curveSpec(options: CurveOptions): VegaLiteSpec {
  const overlay = new Set(options.rows.map((r) => r.series)).size > 1;
  const legend = options.legend ?? 'run';
  const splitScale = { domain: [...new Set(options.rows.map((r) => r.split))].sort(splitOrder) };
  const colorField = overlay ? 'series' : 'split';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: 400,
    height: 240,
    data: { values: options.rows },
    params: pickParams(colorField),
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.x, axis: { tickMinStep: 1 } },
      y: { field: 'y', type: 'quantitative', title: options.y, scale: { zero: false } },
      color: overlay
        ? { field: 'series', type: 'nominal', title: legend }
        : { field: 'split', type: 'nominal', title: 'split', scale: splitScale },
      ...(overlay
        ? { strokeDash: { field: 'split', type: 'nominal', title: 'split', scale: splitScale, legend: DASH_LEGEND } }
        : {}),
      opacity: pickOpacity,
      detail: [{ field: 'series' }, { field: 'split' }],
      order: { field: 'x' },
      tooltip: [
        { field: 'series', type: 'nominal', title: legend },
        { field: 'split', type: 'nominal', title: 'split' },
        { field: 'x', type: 'quantitative', title: options.x },
        { field: 'y', type: 'quantitative', title: options.y, format: options.yFormat ?? '.4~r' },
      ],
    },
  };
}

function splitOrder(a: string, b: string): number {
  const rank = (s: string) => ['train', 'valid', 'test'].indexOf(s) >>> 0;
  return rank(a) - rank(b) || a.localeCompare(b);
}

export interface XYRow {
  series: string;
  x: number;
  y: number;
}

/** ROC (x FPR, y TPR) or precision-recall (x recall, y precision): a line per series on the unit square. */
export function xyCurveSpec(options: {
  title: string;
  x: string;
  y: string;
  rows: XYRow[];
  legend?: string;
}): VegaLiteSpec {
  const legend = options.legend ?? 'run';
  const unit = { domain: [0, 1] };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: 300,
    height: 300,
    data: { values: options.rows.map((r, i) => ({ ...r, i })) },
    params: pickParams('series'),
    mark: { type: 'line', interpolate: 'linear', point: { size: 12 } },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.x, scale: unit },
      y: { field: 'y', type: 'quantitative', title: options.y, scale: unit },
      color: { field: 'series', type: 'nominal', title: legend, legend: { orient: 'bottom', direction: 'vertical' } },
      opacity: pickOpacity,
      order: { field: 'i' },
      tooltip: [
        { field: 'series', type: 'nominal', title: legend },
        { field: 'x', type: 'quantitative', title: options.x, format: '.4f' },
        { field: 'y', type: 'quantitative', title: options.y, format: '.4f' },
      ],
    },
  };
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

/** The Vega spec of a Vega-Lite one (vega-lite is loaded on first use): what the page's runtime draws live. */
export async function compileSpec(spec: VegaLiteSpec): Promise<Record<string, unknown>> {
  const vegaLite = await import('vega-lite');
  return vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec as Record<string, unknown>;
}

/** Renders a Vega-Lite spec headless to an SVG string. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  return renderCompiled(await compileSpec(spec));
}

/** Renders a compiled Vega spec headless to an SVG string (vega is loaded on first use). */
export async function renderCompiled(compiled: Record<string, unknown>): Promise<string> {
  const vega = await import('vega');
  const view = new vega.View(vega.parse(compiled as Parameters<typeof vega.parse>[0]), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
