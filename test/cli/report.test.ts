// `tfpipe report`: one self-contained HTML file. The report of two training runs (entries and records written
// by the test, since the training stages live elsewhere) is opened in headless Chromium: the curve plots must
// have laid-out lines for both runs, train and valid, with a visible point per epoch. A screenshot is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CacheStore } from '../../runner/cache/store.ts';
import { makeProject, runCli } from './helpers.ts';
import { dataPipeline, reviewsWithRareWords, writeTrainingRuns } from '../runs/fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';

/** Runs headless Chromium on `file` with `args`; resolves with its stdout (the DOM, for --dump-dom). */
async function chromium(file: string, args: string[]): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'tfpipe-chromium-'));
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
  const child = spawn(CHROMIUM, [...flags, ...args, pathToFileURL(file).href], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
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

interface Measured {
  name: string;
  width: number;
  lines: { length: number; stroke: string; dash: string | null }[];
  points: string[];
}

test('the report of two runs renders in headless Chromium with both runs on one plot', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip('chromium not installed: apt-get install chromium');
  const dir = await makeProject({});
  const [a, b] = await writeTrainingRuns(new CacheStore(join(dir, '.tfpipe/cache')));
  const made = await runCli(dir, ['report', a.id, b.id, '--out', 'out/report.html']);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stdout, `report of ${a.id}, ${b.id} written to out/report.html\n`);
  const report = join(dir, 'out/report.html');

  const probe = join(dir, 'out/probe.html');
  await writeFile(probe, (await readFile(report, 'utf8')).replace('</body>', `${PROBE}\n</body>`));
  const dom = await chromium(probe, ['--dump-dom']);
  const measured = JSON.parse(/<pre id="probe">(.*?)<\/pre>/s.exec(dom)![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Measured[];
  assert.deepEqual(measured.map((c) => c.name), ['train-loss', 'train-acc', 'finetune-step-loss', 'evaluate-confusion', 'evaluate-confusion']);
  for (const name of ['train-loss', 'train-acc']) {
    const chart = measured.find((c) => c.name === name)!;
    assert.equal(chart.lines.length, 4, `${name}: train and valid of both runs`);
    assert.ok(chart.lines.every((l) => l.length > 0), `${name}: every line has a length on screen`);
    assert.equal(new Set(chart.lines.map((l) => l.stroke)).size, 2, `${name}: one colour per run`);
    assert.equal(chart.points.length, 16, `${name}: 4 epochs × 2 splits × 2 runs, each point inside the plot`);
    for (const run of ['lab1', 'lab1-bidi']) assert.equal(chart.points.filter((p) => p.includes(`run: ${run};`) || p.endsWith(`run: ${run}`)).length, 8);
  }
  assert.equal(measured.find((c) => c.name === 'finetune-step-loss')!.points.length, 6);

  const screenshot = join(dir, 'out/report.png');
  await chromium(report, [`--screenshot=${screenshot}`, '--window-size=1200,2000']);
  const png = await readFile(screenshot);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  assert.equal(png.readUInt32BE(16), 1200, 'as wide as the window');
  t.diagnostic(`report: ${report}`);
  t.diagnostic(`screenshot: ${screenshot}`);
});

test('a report of real runs (data stages only) goes to .tfpipe/reports by default', async () => {
  const dir = await makeProject({ 'p.yaml': dataPipeline('lab', 1), 'reviews.csv': reviewsWithRareWords(20) });
  assert.equal((await runCli(dir, ['run', 'p.yaml'])).code, 0);
  const made = await runCli(dir, ['report']);
  assert.equal(made.code, 0, made.stderr);
  const [name] = await readdir(join(dir, '.tfpipe/reports'));
  assert.match(made.stdout, new RegExp(`written to \\.tfpipe/reports/${name}`));
  const html = await readFile(join(dir, '.tfpipe/reports', name), 'utf8');
  assert.match(html, /<td>vocab<\/td><td>vocab<\/td><td>ran<\/td>/);
  assert.match(html, /<td>load<\/td><td>rows<\/td><td class="num">20<\/td>/);
  assert.doesNotMatch(html, /Training curves/);
  const missing = await runCli(dir, ['report', 'nosuchrun']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no run `nosuchrun`/);
});
