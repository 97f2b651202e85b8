// Headless Chromium for the report tests: measure the charts of a report after layout (--dump-dom of a copy
// with a probe script) and take a screenshot. Callers skip when CHROMIUM is not installed.
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

/** Measures every chart after layout, in the browser, and writes the result into the page as JSON. */
const PROBE = `<script>
const charts = [...document.querySelectorAll('figure.chart')].map((fig) => {
  const svg = fig.querySelector('svg').getBoundingClientRect();
  const inside = (r) => r.width > 0 && r.height > 0 && r.left >= svg.left - 1 && r.right <= svg.right + 1 && r.top >= svg.top - 1 && r.bottom <= svg.bottom + 1;
  const lines = [...fig.querySelectorAll('g.mark-line path')].map((p) => ({ length: p.getTotalLength(), stroke: getComputedStyle(p).stroke, dash: p.getAttribute('stroke-dasharray') }));
  const points = [...fig.querySelectorAll('path[aria-roledescription="point"]')].filter((p) => inside(p.getBoundingClientRect())).map((p) => p.getAttribute('aria-label'));
  return { name: fig.dataset.chart, width: svg.width, lines, points };
});
const pre = document.createElement('pre');
pre.id = 'probe';
pre.textContent = JSON.stringify(charts);
document.body.append(pre);
</script>`;

/** One chart as laid out: its lines' on-screen lengths and colours, the aria labels of the points inside it. */
export interface MeasuredChart {
  name: string;
  width: number;
  lines: { length: number; stroke: string; dash: string | null }[];
  points: string[];
}

/** Lays out `report` (an HTML file) in Chromium, via a probed copy at `probeFile`, and measures its charts. */
export async function measureCharts(report: string, probeFile: string): Promise<MeasuredChart[]> {
  await writeFile(probeFile, (await readFile(report, 'utf8')).replace('</body>', `${PROBE}\n</body>`));
  const dom = await runChromium(probeFile, ['--dump-dom']);
  const probed = /<pre id="probe">(.*?)<\/pre>/s.exec(dom);
  assert.ok(probed, 'the probe ran in the page');
  return JSON.parse(probed[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as MeasuredChart[];
}

/** Screenshots `report` at `width`×`height` into `png`; returns the PNG's bytes after checking its header. */
export async function screenshot(report: string, png: string, width: number, height: number): Promise<Buffer> {
  await runChromium(report, [`--screenshot=${png}`, `--window-size=${width},${height}`]);
  const bytes = await readFile(png);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  assert.equal(bytes.readUInt32BE(16), width, 'as wide as the window');
  return bytes;
}

/** The points of `run` on a chart: labels read "…; run: lab1; split: train; …". */
export function pointsOfRun(chart: MeasuredChart, run: string): string[] {
  return chart.points.filter((p) => p.includes(`run: ${run};`) || p.endsWith(`run: ${run}`));
}
