// HTML building blocks for the report: escaping, tables, lists of records, and the page shell with its inline
// stylesheet. The page loads nothing from anywhere: its only scripts are inline (live.ts), it has no fonts or
// images beyond the inline SVG. Wide tables scroll inside their own box, so the page is never wider than the window.
import { formatReportValue } from './numbers.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A table of already-escaped cells (use `esc` on text); `numeric` columns are right-aligned. */
export function htmlTable(
  head: string[],
  rows: string[][],
  options: { numeric?: number[]; className?: string } = {},
): string {
  const align = (i: number) => (options.numeric?.includes(i) ? ' class="num"' : '');
  const thead = `<tr>${head.map((h, i) => `<th${align(i)}>${h}</th>`).join('')}</tr>`;
  const tbody = rows.map((r) => `<tr>${r.map((c, i) => `<td${align(i)}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table${options.className ? ` class="${options.className}"` : ''}>\n<thead>${thead}</thead>\n<tbody>\n${tbody}\n</tbody>\n</table></div>`;
}

/**
 * A list of records (examples, generated texts) as a table over the union of their keys; strings as a list.
 * Array fields (a generated text's new_ids) are left out: token ids tell a reader nothing the text does not.
 * Numbers are rounded by their key (a probability to 4 decimals).
 */
export function recordsHtml(items: readonly unknown[], limit = 25): string {
  const shown = items.slice(0, limit);
  const more = items.length > limit ? `<p class="note">${items.length - limit} more not shown</p>` : '';
  if (shown.every((item) => typeof item === 'string')) {
    return `<ol class="texts">${shown.map((t) => `<li><pre>${escapeHtml(t as string)}</pre></li>`).join('\n')}</ol>${more}`;
  }
  const objects = shown.map((item) =>
    typeof item === 'object' && item !== null && !Array.isArray(item)
      ? (item as Record<string, unknown>)
      : { value: item },
  );
  const keys = [...new Set(objects.flatMap((o) => Object.keys(o).filter((k) => !Array.isArray(o[k]))))];
  const cell = (v: unknown, key: string) =>
    typeof v === 'string' ? `<span class="text">${escapeHtml(v)}</span>` : escapeHtml(formatReportValue(v, key));
  const numeric = keys.flatMap((k, i) => (objects.some((o) => typeof o[k] === 'number') ? [i] : []));
  return (
    htmlTable(
      keys.map(escapeHtml),
      objects.map((o) => keys.map((k) => cell(o[k], k))),
      { numeric },
    ) + more
  );
}

/** Folded content: the full tables and the config, below what a reader looks at first. */
export function folded(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n${body}\n</details>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; margin: 2rem auto; max-width: 1180px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
h3 { margin-top: 1.4rem; } .note, .meta { color: #57606a; }
table { border-collapse: collapse; } .table-wrap { overflow-x: auto; max-width: 100%; margin: .6rem 0; }
td { overflow-wrap: anywhere; max-width: 48rem; } details { margin: .6rem 0; } summary { cursor: pointer; color: #0969da; }
table.compare td:first-child { font-weight: 600; } .chart svg { max-width: 100%; height: auto; } th, td { border: 1px solid #d0d7de; padding: .25rem .55rem; vertical-align: top; }
th { background: #f6f8fa; text-align: left; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.status-ok { color: #1a7f37; } .status-failed { color: #cf222e; } .status-interrupted, .status-running { color: #9a6700; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } figure.chart { margin: 0; max-width: 100%; overflow-x: auto; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; margin: 0; white-space: pre-wrap; }
ol.texts li { margin-bottom: .5rem; } span.text { white-space: pre-wrap; } code { font-size: 90%; }
`;

/** The page; `scripts` (inline, from live.ts) go last so the text shows before the charts come alive. */
export function pageHtml(title: string, body: string, scripts = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
${scripts}
</body>
</html>
`;
}
