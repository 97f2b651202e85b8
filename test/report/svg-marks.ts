// Reads what a Vega SVG drew: the line paths (one per series) and the point symbols, with their aria labels.
export interface DrawnMarks {
  /** Per line: its vertex count (from the path's d) and its colour. */
  lines: { vertices: number; stroke: string; dashed: boolean }[];
  /** aria-label of each point symbol, e.g. "epoch: 1; loss: 0.7; run: A; split: train; x: 1". */
  points: string[];
}

export function drawnMarks(svg: string): DrawnMarks {
  const lines: DrawnMarks['lines'] = [];
  for (const group of svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/g)) {
    for (const path of group[1].matchAll(/<path [^>]*>/g)) {
      const attr = (name: string) => new RegExp(` ${name}="([^"]*)"`).exec(path[0])?.[1];
      const dash = attr('stroke-dasharray');
      lines.push({
        vertices: (attr('d')?.match(/[ML]/g) ?? []).length,
        stroke: attr('stroke') ?? '',
        dashed: dash !== undefined && dash !== '1,0',
      });
    }
  }
  const points = [
    ...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="point"/g),
  ].map((m) => m[1]);
  return { lines, points };
}
