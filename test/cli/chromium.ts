// Headless Chromium for the report tests: measure a report after layout and after its charts came alive (--dump-dom
// of a copy with a probe script) and take a screenshot. Callers skip when CHROMIUM is not installed.
// --virtual-time-budget lets the page's scripts (Vega drawing the live charts) finish before the DOM is dumped or
// the screenshot taken; virtual time runs as fast as the page allows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';

/** Runs headless Chromium on `file` with `args`; resolves with its stdout (the DOM, for --dump-dom). */
export async function runChromium(file: string, args: string[]): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'tfpipe-chromium-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--virtual-time-budget=20000',
  ];
  const child = spawn(CHROMIUM, [...flags, ...args, pathToFileURL(file).href], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await rm(profile, { recursive: true, force: true });
  assert.equal(code, 0, `chromium failed:\n${stderr.slice(-2000)}`);
  return stdout;
}

/**
 * Waits until the page says its charts are live (or has none), then measures the page (its scroll width against the
 * window's, the compare tables) and every chart, and writes the result into the page as JSON.
 */
const PROBE = `<script>
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fire = (el, types) => {
  const r = el.getBoundingClientRect();
  const at = { bubbles: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 };
  for (const type of types) el.dispatchEvent(type.startsWith('pointer') ? new PointerEvent(type, at) : new MouseEvent(type, at));
};
/** Hovers the first point (the live view's tooltip is its container's title), then clicks the first legend entry. */
const interact = async (fig) => {
  const point = fig.querySelector('path[aria-roledescription="point"]');
  const entry = fig.querySelector('.role-legend-symbol path');
  if (!point || !entry || !fig.querySelector('div.live')) return undefined;
  fire(point, ['pointerover', 'pointermove', 'mouseover', 'mousemove']);
  await wait(100);
  const tooltip = fig.querySelector('div.live').getAttribute('title');
  const legend = entry.closest('.role-legend-entry, g').parentElement.querySelector('.role-legend-label text')?.textContent;
  fire(entry, ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click']);
  await wait(200);
  const opacities = [...fig.querySelectorAll('g.mark-line path')].map((p) => Number(p.getAttribute('opacity') ?? p.getAttribute('stroke-opacity') ?? 1));
  return { tooltip, legend, opacities };
};
const measure = async () => {
  if (document.querySelector('figure.chart') && document.body.dataset.charts !== 'live') return setTimeout(measure, 50);
  const charts = [];
  for (const fig of document.querySelectorAll('figure.chart')) {
    const svg = fig.querySelector('svg').getBoundingClientRect();
    const inside = (r) => r.width > 0 && r.height > 0 && r.left >= svg.left - 1 && r.right <= svg.right + 1 && r.top >= svg.top - 1 && r.bottom <= svg.bottom + 1;
    const lines = [...fig.querySelectorAll('g.mark-line path')].map((p) => ({ length: p.getTotalLength(), stroke: getComputedStyle(p).stroke, dash: p.getAttribute('stroke-dasharray') }));
    const points = [...fig.querySelectorAll('path[aria-roledescription="point"]')].filter((p) => inside(p.getBoundingClientRect())).map((p) => p.getAttribute('aria-label'));
    charts.push({ name: fig.dataset.chart, live: !!fig.querySelector('div.live svg'), width: svg.width, right: svg.right, lines, points });
  }
  const compareTables = [...document.querySelectorAll('table.compare')].map((t) => [...t.rows].map((r) => [...r.cells].map((c) => c.textContent)));
  const page = { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, live: document.body.dataset.charts === 'live' };
  // Interactions last, after every measurement: a legend click fades lines.
  const figures = [...document.querySelectorAll('figure.chart')];
  for (const [i, fig] of figures.entries()) charts[i].interaction = await interact(fig);
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({ page, charts, compareTables });
  document.body.append(pre);
};
measure();
</script>`;

/** One chart as laid out: its lines' on-screen lengths and colours, the aria labels of the points inside it. */
export interface MeasuredChart {
  name: string;
  /** Drawn by the page's Vega runtime (not the static SVG it replaces). */
  live: boolean;
  width: number;
  right: number;
  lines: { length: number; stroke: string; dash: string | null }[];
  points: string[];
  /**
   * A live line chart's response to the reader: the tooltip after hovering its first point, and each line's
   * opacity after a click on its first legend entry (labelled `legend`).
   */
  interaction?: { tooltip: string | null; legend: string | undefined; opacities: number[] };
}

export interface MeasuredPage {
  page: { scrollWidth: number; innerWidth: number; live: boolean };
  charts: MeasuredChart[];
  /** Every table.compare as cell texts, header row first. */
  compareTables: string[][][];
}

/** Lays out `report` (an HTML file) in a `width`-px window, via a probed copy at `probeFile`, and measures it. */
export async function measurePage(report: string, probeFile: string, width = 1280): Promise<MeasuredPage> {
  await writeFile(
    probeFile,
    (await readFile(report, 'utf8')).replace(/<\/body>(?![\s\S]*<\/body>)/, `${PROBE}\n</body>`),
  );
  const dom = await runChromium(probeFile, ['--dump-dom', `--window-size=${width},900`]);
  const probed = /<pre id="probe">(.*?)<\/pre>/s.exec(dom);
  assert.ok(probed, 'the probe ran in the page');
  const entities: Record<string, string> = { '&quot;': '"', '&amp;': '&', '&lt;': '<', '&gt;': '>' };
  return JSON.parse(probed[1].replace(/&(quot|amp|lt|gt);/g, (e) => entities[e])) as MeasuredPage;
}

/** The charts of `report` as laid out (see measurePage). */
export async function measureCharts(report: string, probeFile: string): Promise<MeasuredChart[]> {
  return (await measurePage(report, probeFile)).charts;
}

/** Screenshots `report` at `width`×`height` into `png`; returns the PNG's bytes after checking its header. */
export async function screenshot(report: string, png: string, width: number, height: number): Promise<Buffer> {
  await runChromium(report, [`--screenshot=${png}`, `--window-size=${width},${height}`]);
  const bytes = await readFile(png);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  assert.equal(bytes.readUInt32BE(16), width, 'as wide as the window');
  return bytes;
}

/** The points of `run` on a chart: labels read "…; run: lab1; split: train; …" (or `run · stage: lab1 · train`). */
export function pointsOfRun(chart: MeasuredChart, run: string): string[] {
  return chart.points.filter((p) =>
    new RegExp(`run(?: · stage)?: ${run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(;| ·|$)`).test(p),
  );
}
