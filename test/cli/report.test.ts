// `tfpipe report`: one self-contained HTML file. The report of two training runs (entries and records written
// by the test, since the training stages live elsewhere) is opened in headless Chromium: the curve plots must
// have laid-out lines for both runs, train and valid, with a visible point per epoch. A screenshot is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CacheStore } from '../../runner/cache/store.ts';
import { CHROMIUM, measureCharts, pointsOfRun, screenshot } from './chromium.ts';
import { makeProject, runCli } from './helpers.ts';
import { dataPipeline, reviewsWithRareWords, writeTrainingRuns } from '../runs/fixtures.ts';

test('the report of two runs renders in headless Chromium with both runs on one plot', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip('chromium not installed: apt-get install chromium');
  const dir = await makeProject({});
  const [a, b] = await writeTrainingRuns(new CacheStore(join(dir, '.tfpipe/cache')));
  await mkdir(join(dir, 'out')); // --out's folder must exist: tfpipe creates only its own
  const made = await runCli(dir, ['report', a.id, b.id, '--out', 'out/report.html']);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stdout, `report of ${a.id}, ${b.id} written to out/report.html\n`);
  const report = join(dir, 'out/report.html');

  const measured = await measureCharts(report, join(dir, 'out/probe.html'));
  assert.deepEqual(
    measured.map((c) => c.name),
    ['loss-per-epoch', 'acc-per-epoch', 'loss-per-step', 'lab1-evaluate-confusion', 'lab1-bidi-evaluate-confusion'],
  );
  for (const name of ['loss-per-epoch', 'acc-per-epoch']) {
    const chart = measured.find((c) => c.name === name)!;
    assert.ok(chart.live, `${name}: drawn live by the page's Vega runtime`);
    assert.equal(chart.lines.length, 4, `${name}: train and valid of both runs`);
    assert.ok(
      chart.lines.every((l) => l.length > 0),
      `${name}: every line has a length on screen`,
    );
    assert.equal(new Set(chart.lines.map((l) => l.stroke)).size, 2, `${name}: one colour per run`);
    assert.equal(chart.points.length, 16, `${name}: 4 epochs × 2 splits × 2 runs, each point inside the plot`);
    for (const run of ['lab1', 'lab1-bidi']) assert.equal(pointsOfRun(chart, run).length, 8);
  }
  assert.equal(measured.find((c) => c.name === 'loss-per-step')!.points.length, 6);

  const screenshotFile = join(dir, 'out/report.png');
  await screenshot(report, screenshotFile, 1200, 2000);
  t.diagnostic(`report: ${report}`);
  t.diagnostic(`screenshot: ${screenshotFile}`);
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
  assert.match(html, /<tr><td>load<\/td><td>rows<\/td><td class="num">20<\/td><\/tr>/);
  assert.doesNotMatch(html, /Training curves/);
  const missing = await runCli(dir, ['report', 'nosuchrun']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no run `nosuchrun`/);
});
