// Charts that respond to the reader — tooltips on hover, legends that pick a series — while the page stays one
// file that opens offline. Each figure holds the SVG rendered in Node (what prints, and what shows without
// scripts) and its compiled Vega spec as JSON; the page inlines Vega's own browser build (vega.min.js from the
// installed package, about 0.5 MB) and, on load, swaps each SVG for a live view of the same spec. Vega's default
// tooltip handler shows the hovered datum as the element's title: no tooltip library, nothing fetched.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compileSpec, renderCompiled, type VegaLiteSpec } from './charts.ts';
import { escapeHtml } from './html.ts';

/** A figure: the static SVG, and the spec the live view is drawn from. */
export async function chartFigure(name: string, spec: VegaLiteSpec): Promise<string> {
  const compiled = await compileSpec(spec);
  const svg = await renderCompiled(compiled);
  return `<figure class="chart" data-chart="${escapeHtml(name)}">${svg}<script type="application/json" class="vega-spec">${scriptSafe(JSON.stringify(compiled))}</script></figure>`;
}

/** Text inside <script> must not close it: `</script` (any case) and `<!--` are broken up. */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/**
 * Draws every figure's spec live once the page has loaded; a figure whose view fails keeps its static SVG.
 * When all are done, <body data-charts="live"> tells a test (or a curious reader) that the page is interactive.
 */
const HYDRATE = `
(async () => {
  const figures = [...document.querySelectorAll('figure.chart')];
  await Promise.all(figures.map(async (fig) => {
    const source = fig.querySelector('script.vega-spec');
    if (!source || typeof vega === 'undefined') return;
    const host = document.createElement('div');
    host.className = 'live';
    const view = new vega.View(vega.parse(JSON.parse(source.textContent)), { renderer: 'svg', container: host, hover: true });
    try {
      await view.runAsync();
      fig.replaceChildren(host);
    } catch (error) {
      console.error('chart ' + fig.dataset.chart + ':', error);
      view.finalize();
    }
  }));
  document.body.dataset.charts = 'live';
})();
`;

let runtime: Promise<string> | undefined;

/** The scripts at the end of the page: Vega's runtime, then the hydration. Empty when there are no charts. */
export async function liveScripts(hasCharts: boolean): Promise<string> {
  if (!hasCharts) return '';
  // vega's exports hide build/ but expose its schema, which lies next to vega.min.js.
  const build = dirname(createRequire(import.meta.url).resolve('vega/vega-schema.json'));
  runtime ??= readFile(join(build, 'vega.min.js'), 'utf8');
  return `<script>${scriptSafe(await runtime)}</script>\n<script>${HYDRATE}</script>`;
}
