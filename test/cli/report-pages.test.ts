// Issue 16's report acceptance, on real runs: a two-run lab1 report (lab1 and lab1-bidi, test-sized) and a
// lab2-shaped one (the toy lab 2: base perplexity, full fine-tuning, LoRA, generation, compare; no network) are
// opened in headless Chromium at 1280 px. Each must be no wider than the window, have its charts drawn live by the
// inlined Vega runtime, show its comparison table and its curves, answer a hover with a tooltip and a legend click
// by fading the other series; the values checked are read from the runs' own records and cache entries. Screenshots of both are kept in the project folder, and copied to
// $TFPIPE_SCREENSHOTS when that is set (for a closing note).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatNumber } from '../../lib/text/number.ts';
import { escapeHtml } from '../../runner/report/html.ts';
import { readEntryFiles } from '../../runner/runs/entry-files.ts';
import type { RunRecord } from '../../runner/runs/record.ts';
import { runsDir } from '../../runner/runs/registry.ts';
import { readTyped } from '../../stages/artifacts/typed-file.ts';
import { CHROMIUM, measurePage, pointsOfRun, screenshot, type MeasuredPage } from './chromium.ts';
import { makeProject, runCli } from './helpers.ts';
import { LAB2_TINY_PIPELINE, lab2TinyFiles } from './lab2-tiny-fixture.ts';
import { lab1Pipeline, reviewsCsv } from './lab1-fixture.ts';

const WIDTH = 1280;

async function readRecord(dir: string, id: string): Promise<RunRecord> {
  return JSON.parse(await readFile(join(runsDir(join(dir, '.tfpipe/cache')), `${id}.json`), 'utf8')) as RunRecord;
}

function entryOut(dir: string, record: RunRecord, stage: string): string {
  return join(dir, '.tfpipe/cache', record.stages.find((s) => s.id === stage)!.fingerprint, 'out');
}

/** The text a reader sees: the page without its scripts and charts. */
function visibleHtml(html: string): string {
  return html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<svg[\s\S]*?<\/svg>/g, '');
}

/** Runs `report` for `refs`, measures it at 1280 px and screenshots it; the page fits the window. */
async function reportPage(dir: string, refs: string[], shot: string): Promise<{ html: string; page: MeasuredPage }> {
  await mkdir(join(dir, 'out'), { recursive: true });
  const made = await runCli(dir, ['report', ...refs, '--out', 'out/report.html']);
  assert.equal(made.code, 0, made.stderr);
  const file = join(dir, 'out/report.html');
  const page = await measurePage(file, join(dir, 'out/probe.html'), WIDTH);
  assert.equal(page.page.innerWidth, WIDTH);
  assert.ok(page.page.scrollWidth <= WIDTH, `page ${page.page.scrollWidth} px wide in a ${WIDTH} px window`);
  assert.ok(page.page.live, 'the inline Vega runtime drew the charts');
  for (const chart of page.charts) {
    assert.ok(chart.live, `${chart.name} is a live view`);
    assert.ok(chart.right <= WIDTH, `${chart.name} ends at ${chart.right} px`);
  }
  const png = join(dir, 'out', shot);
  await screenshot(file, png, WIDTH, 2400);
  if (process.env.TFPIPE_SCREENSHOTS) {
    await mkdir(process.env.TFPIPE_SCREENSHOTS, { recursive: true });
    await copyFile(png, join(process.env.TFPIPE_SCREENSHOTS, shot));
  }
  return { html: await readFile(file, 'utf8'), page };
}

/** ROC AUC by its definition: the share of (positive, negative) pairs the score orders right, ties half. */
function pairwiseAuc(actual: Int32Array, score: Float32Array): number {
  let right = 0;
  let pairs = 0;
  for (let i = 0; i < actual.length; i++)
    for (let j = 0; j < actual.length; j++)
      if (actual[i] === 1 && actual[j] === 0) {
        pairs++;
        right += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
      }
  return right / pairs;
}

test('a two-run lab1 report: runs side by side with the differing param, overlaid curves, per-class and ROC', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip('chromium not installed: apt-get install chromium');
  const dir = await makeProject({
    'lab1.yaml': lab1Pipeline(),
    'lab1-bidi.yaml': 'extends: lab1.yaml\nname: lab1-bidi\nstages:\n  train:\n    bidirectional: true\n',
    'reviews.csv': reviewsCsv(400),
  });
  const ids: string[] = [];
  for (const file of ['lab1.yaml', 'lab1-bidi.yaml']) {
    const run = await runCli(dir, ['run', file]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    ids.push(/^recorded as run (\S+) /m.exec(run.stdout)![1]);
  }
  const records = await Promise.all(ids.map((id) => readRecord(dir, id)));
  const { html, page } = await reportPage(dir, ids, 'report-lab1-two-runs.png');

  // The summary: one row per run, the one param that differs, the key metrics rounded to 4 decimals.
  const summary = /<table class="summary">([\s\S]*?)<\/table>/.exec(html)![1];
  assert.match(summary, /<th><code>stages\.train\.bidirectional<\/code><\/th>/);
  assert.equal([...summary.matchAll(/<th>/g)].length, 4, 'run, status, took and the one differing param');
  for (const [i, r] of records.entries()) {
    const acc = r.stages.find((s) => s.id === 'evaluate')!.metrics.test_acc as number;
    assert.match(
      summary,
      new RegExp(`<code>${i === 0 ? 'false' : 'true'}</code></td><td class="num">${acc.toFixed(4)}</td>`),
    );
  }

  const loss = page.charts.find((c) => c.name === 'loss-per-epoch')!;
  assert.equal(loss.lines.length, 4, 'train and valid of both runs on one chart');
  assert.equal(new Set(loss.lines.map((l) => l.stroke)).size, 2, 'a colour per run');
  for (const run of ['lab1', 'lab1-bidi'])
    assert.equal(pointsOfRun(loss, run).length, 4, `${run}: 2 epochs × 2 splits`);
  // Hovering lab1's first point shows its train loss (4 significant digits, as history.csv has it); clicking lab1 in
  // the legend fades lab1-bidi's two lines.
  const trainFp = records[0].stages.find((s) => s.id === 'train')!.fingerprint;
  const history = (await readEntryFiles(join(dir, '.tfpipe/cache'), trainFp)).history!;
  const firstLoss = String(Number((history[0].train_loss as number).toPrecision(4)));
  assert.equal(loss.interaction?.tooltip, `run: lab1\nsplit: train\nepoch: 1\nloss: ${firstLoss}`);
  assert.equal(loss.interaction?.legend, 'lab1');
  const lab1Stroke = loss.lines[0].stroke;
  assert.deepEqual(
    loss.interaction.opacities,
    loss.lines.map((l) => (l.stroke === lab1Stroke ? 1 : 0.15)),
  );

  // Per class: the positive class's precision and recall are the evaluation's own figures.
  for (const [i, r] of records.entries()) {
    const m = r.stages.find((s) => s.id === 'evaluate')!.metrics;
    const label = i === 0 ? 'lab1' : 'lab1-bidi';
    const table = new RegExp(
      `<h3>${label} · evaluate: per class</h3>\\s*<div class="table-wrap"><table class="per-class">([\\s\\S]*?)</table>`,
    ).exec(html)![1];
    const positive =
      (m.test_precision as number).toFixed(4) + '</td><td class="num">' + (m.test_recall as number).toFixed(4);
    assert.ok(table.includes(`<td>positive</td><td class="num">${positive}</td>`), `${label}: ${table}`);
    // ROC AUC against its definition over every evaluated row.
    const out = entryOut(dir, r, 'evaluate');
    const actual = await readTyped(join(out, 'actual.i32'), Int32Array);
    const predicted = await readTyped(join(out, 'predictions.i32'), Int32Array);
    const probability = await readTyped(join(out, 'probability.f32'), Float32Array);
    const score = probability.map((p, k) => (predicted[k] === 1 ? p : 1 - p));
    const auc = pairwiseAuc(actual, score).toFixed(4);
    assert.ok(
      html.includes(`<tr><td>${label} · evaluate</td><td class="num">${auc}</td>`),
      `${label}: ROC AUC ${auc} in the table`,
    );
  }
  for (const name of ['roc', 'precision-recall']) {
    const chart = page.charts.find((c) => c.name === name)!;
    assert.equal(chart.lines.length, 2, `${name}: one curve per run`);
    assert.ok(
      chart.lines.every((l) => l.length > 100),
      `${name}: curves drawn across the plot`,
    );
  }
  assert.ok(!/\d\.\d{7,}/.test(visibleHtml(html)), 'no number printed with more than 6 decimals');
  // Scripts are inline; the page outside them names nothing to fetch (the Vega runtime itself has loader code for
  // specs with URLs, which these specs do not have).
  assert.ok(!/<script[^>]*\ssrc=/i.test(html), 'no script loaded from elsewhere');
  assert.ok(!/<link|<img|\ssrc=|url\((?!#)|@import/i.test(visibleHtml(html)), 'nothing loaded from elsewhere');
});

test('a lab2-shaped report: the compare table as a table, finetune and LoRA losses on one chart, texts without ids', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip('chromium not installed: apt-get install chromium');
  // The toy lab 2 with a few more steps, logged every step, so both training stages leave a curve.
  const pipeline = LAB2_TINY_PIPELINE.replace(
    'epochs: 1, batch_size: 4, lr: 0.01, logging_steps: 1',
    'epochs: 3, batch_size: 2, lr: 0.01, logging_steps: 1',
  ).replace('r: 2, epochs: 1, batch_size: 4', 'r: 2, epochs: 3, batch_size: 2, logging_steps: 1');
  assert.notEqual(pipeline, LAB2_TINY_PIPELINE);
  const dir = await makeProject({ ...lab2TinyFiles(), 'p.yaml': pipeline });
  const run = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const id = /^recorded as run (\S+) /m.exec(run.stdout)![1];
  const record = await readRecord(dir, id);
  const { html, page } = await reportPage(dir, [id], 'report-lab2-tiny.png');

  // The compare stage's table: its own rows and columns, perplexity to the 1 digit the pipeline asks for.
  const compare = record.stages.find((s) => s.id === 'compare')!.metrics;
  assert.deepEqual(page.compareTables.length, 1);
  const [head, ...rows] = page.compareTables[0];
  assert.deepEqual(head, ['', 'perplexity', 'trainable_params']);
  assert.deepEqual(
    rows.map((r) => r[0]),
    ['base', 'full', 'LoRA'],
  );
  for (const [name, perplexity] of rows.map((r) => [r[0], r[1]]))
    assert.equal(perplexity, formatNumber(compare[`${name.toLowerCase()}_valid_perplexity`] as number, 1));
  assert.equal(rows[2][2], formatNumber(compare.lora_trainable_params as number));
  const beforeDetails = html.slice(0, html.indexOf('<h2 id="details">'));
  assert.ok(!/full_valid_perplexity/.test(beforeDetails), 'not flattened into metric rows above the details');

  const steps = page.charts.find((c) => c.name === 'loss-per-step')!;
  assert.equal(steps.lines.length, 2, 'finetune and lora on one chart');
  assert.equal(new Set(steps.lines.map((l) => l.stroke)).size, 2);
  assert.equal(steps.interaction?.legend, 'finetune');
  assert.deepEqual(steps.interaction.opacities.sort(), [0.15, 1], 'a legend click brings finetune forward');
  assert.match(steps.interaction.tooltip ?? '', /^stage: finetune\nsplit: train\nstep: 1\nloss: \d+(\.\d{1,3})?$/);
  for (const stage of ['finetune', 'lora'])
    assert.ok(
      steps.points.some((p) => p.includes(`stage: ${stage};`)),
      `${stage}'s points on the chart`,
    );

  const texts = JSON.parse(await readFile(join(entryOut(dir, record, 'generate'), 'texts.json'), 'utf8'));
  assert.ok(Array.isArray(texts.texts[0].new_ids), 'generate wrote token ids');
  assert.ok(html.includes(`<span class="text">${escapeHtml(texts.texts[0].text)}</span>`), 'the generated text shown');
  assert.ok(!/new_ids/.test(visibleHtml(html)), 'no token ids on the page');
  assert.ok(!/\d\.\d{7,}/.test(visibleHtml(html)), 'no number printed with more than 6 decimals');
});
