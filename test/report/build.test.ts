// The report page of two training runs (synthetic entries in a real cache): the sections in reading order, the
// curves overlaid on one chart per quantity, per-class figures from the confusion matrices, the full tables and
// configs folded, nothing fetched from anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReportHtml } from '../../runner/report/build.ts';
import { collectReportRuns } from '../../runner/report/collect.ts';
import { makeCache, writeTrainingRuns } from '../runs/fixtures.ts';
import { drawnMarks } from './svg-marks.ts';

/** The inline SVG of <figure data-chart="name">. */
function chart(html: string, name: string): string {
  const match = new RegExp(`<figure class="chart" data-chart="${name}">(<svg.*?</svg>)`, 's').exec(html);
  assert.ok(match, `chart ${name} present`);
  return match[1];
}

test('a report of two runs: summary first, overlaid curves, per-class figures, texts, folded details', async () => {
  const cache = await makeCache();
  const runs = await collectReportRuns(await writeTrainingRuns(cache));
  assert.equal(runs[0].stages[0].history?.length, 4);
  assert.deepEqual(runs[1].stages[1].confusion?.labels, ['negative', 'positive']);
  const html = await buildReportHtml(runs, new Date('2026-11-28T08:00:00Z'));

  assert.match(html, /<title>tfpipe report — lab1 vs lab1-bidi<\/title>/);
  const order = ['summary', 'curves', 'classification', 'texts', 'details'].map((id) =>
    html.indexOf(`<h2 id="${id}">`),
  );
  assert.ok(
    order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1])),
    `sections in reading order: ${order}`,
  );
  // The summary: the differing param and the key metric, a row per run.
  assert.match(
    html,
    /<tr><td><strong>lab1-bidi<\/strong><br><code class="id">20261128-071501-ab11<\/code><\/td><td><span class="status-ok">ok<\/span><\/td><td>12.0s<\/td><td><code>true<\/code><\/td><td class="num">0.8400<\/td><\/tr>/,
  );
  // Folded: every metric side by side, the differing one first.
  assert.match(
    html,
    /<details><summary>every metric, side by side \(differing first\)<\/summary>\n<div class="table-wrap"><table>\n<thead>.*<\/thead>\n<tbody>\n<tr><td><code>evaluate.test_acc<\/code><\/td><td class="num">0.8100<\/td><td class="num">0.8400<\/td><\/tr>/,
  );

  const loss = drawnMarks(chart(html, 'loss-per-epoch'));
  assert.equal(loss.lines.length, 4, 'train and valid of both runs on one plot');
  assert.equal(loss.points.length, 16);
  assert.equal(drawnMarks(chart(html, 'acc-per-epoch')).points.length, 16);
  assert.equal(drawnMarks(chart(html, 'loss-per-step')).points.length, 6);
  assert.match(chart(html, 'lab1-evaluate-confusion'), /<text[^>]*>42<\/text>/);

  // lab1's confusion matrix [[42, 8], [11, 58]]: negative precision 42/53, recall 42/50.
  assert.match(
    html,
    /<tr><td>negative<\/td><td class="num">0.7925<\/td><td class="num">0.8400<\/td><td class="num">0.8155<\/td><td class="num">50<\/td><\/tr>/,
  );
  assert.match(html, /a &lt;b&gt;great&lt;\/b&gt; film/, 'examples escaped');
  assert.match(html, /The film was lab1-bidi/);
  assert.match(html, /<details><summary>resolved config[^<]*<\/summary>\n<pre>name: lab1-bidi\n.*bidirectional: true/s);
  const outsideScripts = html.replace(/<script[\s\S]*?<\/script>/g, '');
  assert.ok(!/<link|<img|\bsrc=|url\((?!#)|@import/i.test(outsideScripts), 'self-contained');
  assert.ok(!/<script[^>]*\ssrc=/.test(html), 'inline scripts only');
  assert.equal(
    [...html.matchAll(/<script type="application\/json" class="vega-spec">/g)].length,
    5,
    'a spec per chart',
  );
});

test('a run whose entries are gone still reports what its record kept, and no scripts without charts', async () => {
  const cache = await makeCache();
  const [record] = await writeTrainingRuns(cache);
  const runs = await collectReportRuns([{ ...record, cacheRoot: '/nonexistent' }]);
  const html = await buildReportHtml(runs);
  assert.doesNotMatch(html, /Training curves|<script/);
  assert.match(html, /<tr><td>evaluate<\/td><td>test_acc<\/td><td class="num">0.8100<\/td><\/tr>/);
});

test("a sweep's runs are named by their swept values in the title, the summary and the chart legends", async () => {
  const cache = await makeCache();
  const records = (await writeTrainingRuns(cache)).map((r, i) => ({
    ...r,
    sweep: { id: 's1', index: i + 1, total: 2, assignments: { 'stages.train.bidirectional': i === 1 } },
  }));
  const html = await buildReportHtml(await collectReportRuns(records));
  assert.match(html, /<title>tfpipe report — bidirectional=false vs bidirectional=true<\/title>/);
  assert.match(html, /<td><strong>bidirectional=true<\/strong><br><code class="id">20261128-071501-ab11<\/code>/);
  const loss = drawnMarks(chart(html, 'loss-per-epoch'));
  assert.equal(loss.points.filter((p) => p.includes('run: bidirectional=true;')).length, 8);
  assert.match(chart(html, 'loss-per-epoch'), /<text[^>]*>bidirectional=false<\/text>/, 'legend entry');
});
