// The report page of two training runs (synthetic entries in a real cache): every section present, the curves
// overlaid on one plot per quantity, nothing fetched from anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReportHtml } from '../../runner/report/build.ts';
import { collectReportRuns } from '../../runner/report/collect.ts';
import { makeCache, writeTrainingRuns } from '../runs/fixtures.ts';
import { drawnMarks } from './svg-marks.ts';

/** The inline SVG of <figure data-chart="name">. */
function chart(html: string, name: string): string {
  const match = new RegExp(`<figure class="chart" data-chart="${name}">(.*?)</figure>`, 's').exec(html);
  assert.ok(match, `chart ${name} present`);
  return match[1];
}

test('a report of two runs: summary, metrics side by side, overlaid curves, confusion matrices, examples, texts', async () => {
  const cache = await makeCache();
  const runs = await collectReportRuns(await writeTrainingRuns(cache));
  assert.equal(runs[0].stages[0].history?.length, 4);
  assert.deepEqual(runs[1].stages[1].confusion?.labels, ['negative', 'positive']);
  const html = await buildReportHtml(runs, new Date('2026-11-28T08:00:00Z'));

  assert.match(html, /<title>tfpipe report — lab1 vs lab1-bidi<\/title>/);
  for (const heading of [
    'Runs',
    'Metrics',
    'Training curves',
    'Run <code>20261128-071500-ab10</code> — lab1',
    'Run <code>20261128-071501-ab11</code> — lab1-bidi',
  ]) {
    assert.ok(html.includes(`<h2`) && html.includes(heading), `section ${heading}`);
  }
  assert.match(
    html,
    /<tr><td><code>evaluate.test_acc<\/code><\/td><td class="num">0.81<\/td><td class="num">0.84<\/td><\/tr>/,
  );

  const loss = drawnMarks(chart(html, 'train-loss'));
  assert.equal(loss.lines.length, 4, 'train and valid of both runs on one plot');
  assert.equal(loss.points.length, 16);
  assert.equal(drawnMarks(chart(html, 'train-acc')).points.length, 16);
  assert.equal(drawnMarks(chart(html, 'finetune-step-loss')).points.length, 6);
  assert.match(chart(html, 'evaluate-confusion'), /<text[^>]*>42<\/text>/);

  assert.match(html, /a &lt;b&gt;great&lt;\/b&gt; film/, 'examples escaped');
  assert.match(html, /The film was lab1-bidi/);
  assert.match(html, /bidirectional: true/, 'config shown');
  assert.doesNotMatch(html, /<script|<link|<img|\bsrc=|url\((?!#)|@import/i, 'self-contained');
});

test('a run whose entries are gone still reports what its record kept', async () => {
  const cache = await makeCache();
  const [record] = await writeTrainingRuns(cache);
  const runs = await collectReportRuns([{ ...record, cacheRoot: '/nonexistent' }]);
  const html = await buildReportHtml(runs);
  assert.doesNotMatch(html, /Training curves/);
  assert.match(html, /<td>evaluate<\/td><td>test_acc<\/td><td class="num">0.81<\/td>/);
});
