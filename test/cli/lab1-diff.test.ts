// Issue 6's acceptance on the real lab1 graph, test-sized: a lab1.yaml with pipelines/lab1.yaml's stage ids and
// kinds (imdb → split → vocab → tokenize → train → evaluate; 400 reviews made here, LSTM of width 8, 2 epochs)
// and a lab1-bidi.yaml that extends it and sets only stages.train.bidirectional: true.
//   diff before any run: that one config path, data stages shared, train and evaluate differ by it, no metrics
//   both run, diff again (files, runs, --json): the same facts, and every metric with A, B, change, relative
//   diff of the two runs leads with the changed param and the changed metrics (evaluation first); the equal ones,
//   counted from the two run records, are one line that --all replaces with their rows
//   report of the two runs in headless Chromium: one loss plot with both runs' curves; screenshot kept
//   a lab1 run interrupted (Ctrl-C) while training is listed by `tfpipe runs` as interrupted
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatMetric } from '../../runner/exec/format.ts';
import type { MetricComparison } from '../../runner/runs/metric-order.ts';
import type { DiffReport } from '../../runner/runs/format-diff.ts';
import type { RunRecord } from '../../runner/runs/record.ts';
import { CHROMIUM, measureCharts, pointsOfRun, screenshot } from './chromium.ts';
import { makeProject, runCli, stagesByAction, startCli, waitForOutput } from './helpers.ts';
import { lab1Pipeline, reviewsCsv } from './lab1-fixture.ts';

/** Where the report's screenshot is kept after the test, for people to look at. */
const SCREENSHOT = '/tmp/tfpipe-report-lab1.png';

// pipelines/lab1.yaml with the data made here and every size cut down; the other settings as there.
const LAB1 = lab1Pipeline();

// As pipelines/lab1-bidi.yaml.
const LAB1_BIDI = `extends: lab1.yaml
name: lab1-bidi
stages:
  train:
    bidirectional: true
`;

const CONFIG = ['config: 1 difference', '  stages.train.bidirectional: false → true'];

const STAGES = [
  'stages:',
  '  imdb      shared',
  '  split     shared',
  '  vocab     shared',
  '  tokenize  shared',
  '  train     differs: param stages.train.bidirectional: false → true',
  '  evaluate  differs: upstream `train` (param stages.train.bidirectional: false → true)',
];

/** The lines of one section of `tfpipe diff`'s text, from its heading to the blank line after it. */
function section(stdout: string, head: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(head));
  assert.ok(start >= 0, `no section ${head} in:\n${stdout}`);
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start, end < 0 ? undefined : end);
}

/** The JSON report's stage facts, as the text shows them: shared, or the param that makes them differ. */
function stageFacts(report: DiffReport): Record<string, string> {
  return Object.fromEntries(
    report.stages.map((s) => {
      if (s.status !== 'differs') return [s.id, s.status];
      const root = s.cause?.type === 'upstream' ? s.cause.root : s.cause;
      const via = s.cause?.type === 'upstream' ? `upstream ${s.cause.stage}, ` : '';
      return [
        s.id,
        root?.type === 'param'
          ? `${via}param ${root.path}: ${root.old} → ${root.new}`
          : `differs: ${JSON.stringify(s.cause)}`,
      ];
    }),
  );
}

const STAGE_FACTS = {
  imdb: 'shared',
  split: 'shared',
  vocab: 'shared',
  tokenize: 'shared',
  train: 'param stages.train.bidirectional: false → true',
  evaluate: 'upstream train, param stages.train.bidirectional: false → true',
};

/** Checks one metric row of the text against the JSON's figures: A and B as printed, change and relative. */
function assertMetricRow(stdout: string, m: MetricComparison): void {
  assert.equal(typeof m.a, 'number');
  assert.equal(typeof m.b, 'number');
  const [a, b] = [m.a as number, m.b as number];
  assert.equal(m.delta, b - a);
  assert.equal(m.relative, (b - a) / Math.abs(a));
  const row = new RegExp(`^ {2}${m.stage}\\.${m.metric} +(\\S+) +(\\S+) +(\\S+) +(\\S+)%$`, 'm').exec(stdout);
  assert.ok(row, `a row for ${m.stage}.${m.metric} in:\n${stdout}`);
  const [, shownA, shownB, change, relative] = row;
  assert.deepEqual([shownA, shownB], [formatMetric(a), formatMetric(b)]);
  // Shown to 4 significant digits, and the relative change in percent to one decimal, signed.
  assert.ok(Math.abs(Number(change) - (b - a)) <= 5e-4 * Math.abs(b - a), `change ${change} is B − A = ${b - a}`);
  assert.ok(
    Math.abs(Number(relative) - (100 * (b - a)) / Math.abs(a)) <= 0.0501,
    `relative ${relative}% is (B − A) / |A|`,
  );
  assert.match(relative, /^[+-]/);
}

// The tests below build on each other in this one project, in order (node:test runs a file's tests in sequence).
let dir = '';
const runIds: string[] = [];

test('before any run: exactly the one config path, data stages shared, train and evaluate differ by it', async () => {
  dir = await makeProject({ 'lab1.yaml': LAB1, 'lab1-bidi.yaml': LAB1_BIDI, 'reviews.csv': reviewsCsv(400) });
  const diff = await runCli(dir, ['diff', 'lab1.yaml', 'lab1-bidi.yaml']);
  assert.equal(diff.code, 0, diff.stderr);
  assert.deepEqual(section(diff.stdout, 'A:'), ['A: lab1.yaml', 'B: lab1-bidi.yaml']);
  assert.deepEqual(section(diff.stdout, 'config'), CONFIG);
  assert.deepEqual(section(diff.stdout, 'stages:'), STAGES);
  assert.deepEqual(section(diff.stdout, 'metrics:'), ['metrics:', '  (none recorded or cached on either side)']);
  assert.deepEqual(await readdir(join(dir, '.tfpipe')).catch(() => []), [], 'nothing ran, nothing was recorded');
});

test('after both ran: bidi reused the four data entries; diff shows the same facts plus every metric with its change', async (t) => {
  const a = await runCli(dir, ['run', 'lab1.yaml']);
  assert.equal(a.code, 0, a.stderr + a.stdout);
  const b = await runCli(dir, ['run', 'lab1-bidi.yaml']);
  assert.equal(b.code, 0, b.stderr + b.stdout);
  assert.deepEqual(stagesByAction(b.stdout), {
    ran: ['train', 'evaluate'],
    cached: ['imdb', 'split', 'vocab', 'tokenize'],
  });
  for (const run of [a, b]) runIds.push(/^recorded as run (\S+) /m.exec(run.stdout)![1]);

  const diff = await runCli(dir, ['diff', 'lab1.yaml', 'lab1-bidi.yaml']);
  assert.equal(diff.code, 0, diff.stderr);
  assert.deepEqual(section(diff.stdout, 'config'), CONFIG);
  assert.deepEqual(section(diff.stdout, 'stages:'), STAGES);
  assert.match(diff.stdout, /^ {2}metric +A +B +change +relative$/m);
  // every row, equal ones included, to check each figure below
  const all = await runCli(dir, ['diff', 'lab1.yaml', 'lab1-bidi.yaml', '--all']);
  assert.equal(all.code, 0, all.stderr);

  const json = await runCli(dir, ['diff', 'lab1.yaml', 'lab1-bidi.yaml', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as DiffReport;
  assert.deepEqual(report.config, [{ path: 'stages.train.bidirectional', old: false, new: true }]);
  assert.deepEqual(stageFacts(report), STAGE_FACTS);
  const metric = (stage: string, name: string) => report.metrics.find((m) => m.stage === stage && m.metric === name)!;
  for (const [stage, name] of [
    ['evaluate', 'test_acc'],
    ['evaluate', 'test_loss'],
    ['train', 'valid_loss'],
    ['train', 'train_loss'],
  ]) {
    assertMetricRow(all.stdout, metric(stage, name));
  }
  assert.notEqual(metric('train', 'valid_loss').delta, 0, 'the bidirectional model trained to other weights');
  for (const [stage, name] of [
    ['split', 'train_rows'],
    ['vocab', 'vocab_size'],
    ['tokenize', 'test_rows'],
  ]) {
    assert.equal(metric(stage, name).delta, 0, `${stage}.${name}: a shared entry has the same figures`);
  }
  for (const line of all.stdout.trimEnd().split('\n')) t.diagnostic(line);

  // The last two runs compare as the files do, with the figures the runs recorded.
  const byRun = await runCli(dir, ['diff', 'LAST~1', 'LAST']);
  assert.equal(byRun.code, 0, byRun.stderr);
  assert.deepEqual(section(byRun.stdout, 'A:'), [`A: run ${runIds[0]} (lab1)`, `B: run ${runIds[1]} (lab1-bidi)`]);
  assert.deepEqual(section(byRun.stdout, 'config'), CONFIG);
  assert.deepEqual(section(byRun.stdout, 'stages:'), STAGES);
  assert.deepEqual(section(byRun.stdout, 'metrics:'), section(diff.stdout, 'metrics:'));
});

/** stage.metric → value for every scalar metric a run recorded, in the record's order (stage by stage). */
function recordedMetrics(record: RunRecord): Map<string, unknown> {
  return new Map(
    record.stages.flatMap((s) =>
      Object.entries(s.metrics)
        .filter(([, v]) => v === null || typeof v !== 'object')
        .map(([k, v]): [string, unknown] => [`${s.id}.${k}`, v]),
    ),
  );
}

/** The metric names of a diff's metrics section, in the order printed. */
function metricNames(lines: readonly string[]): string[] {
  return lines.flatMap((l) => /^ {2}(\w+\.\w+) /.exec(l)?.[1] ?? []);
}

test('diff leads with the changed param and the changed metrics, evaluation first; equal ones are hidden behind a count', async () => {
  const [a, b] = await Promise.all(
    runIds.map(async (id) => JSON.parse(await readFile(join(dir, '.tfpipe/runs', `${id}.json`), 'utf8')) as RunRecord),
  );
  const [inA, inB] = [recordedMetrics(a), recordedMetrics(b)];
  const names = [...new Set([...inA.keys(), ...inB.keys()])];
  const equal = names.filter((n) => inA.has(n) && inB.has(n) && inA.get(n) === inB.get(n));
  const changed = names.filter((n) => !equal.includes(n));
  assert.ok(changed.includes('train.valid_loss'), 'the bidirectional model trained to other weights');
  assert.ok(equal.includes('imdb.rows') && equal.includes('vocab.vocab_size'), 'the shared data stages are equal');
  // The order the issue asks for: the evaluate stage's figures, then the held-out figures training reports, then
  // the rest of training, then anything else (the data counts, which the shared stages keep equal here).
  const rank = (n: string) =>
    n.startsWith('evaluate.') ? 0 : /^train\.(valid|best_valid)_/.test(n) ? 1 : n.startsWith('train.') ? 2 : 3;
  const expected = [...changed].sort((x, y) => rank(x) - rank(y));
  assert.equal(rank(expected[0]), 0, `an evaluate metric leads: ${expected.join(', ')}`);

  const diff = await runCli(dir, ['diff', 'LAST~1', 'LAST']);
  assert.equal(diff.code, 0, diff.stderr);
  const lines = diff.stdout.split('\n');
  const at = (line: string) => {
    const i = lines.indexOf(line);
    assert.ok(i >= 0, `no line ${JSON.stringify(line)} in:\n${diff.stdout}`);
    return i;
  };
  const metricsHead = `metrics: ${changed.length} changed, ${equal.length} equal`;
  assert.ok(at(CONFIG[1]) < at(metricsHead), 'the changed param before the metrics');
  assert.ok(at(metricsHead) < at('stages:'), 'the metrics before the stages');
  const shown = section(diff.stdout, 'metrics:');
  assert.equal(shown[0], metricsHead);
  assert.match(shown[1], /^ {2}metric +A +B +change +relative$/);
  assert.deepEqual(metricNames(shown), expected);
  assert.equal(shown[shown.length - 1], `  ${equal.length} equal metrics hidden; --all shows them`);
  assert.equal(shown.length, 3 + changed.length);

  const all = await runCli(dir, ['diff', 'LAST~1', 'LAST', '--all']);
  const every = section(all.stdout, 'metrics:');
  assert.equal(every[0], metricsHead);
  assert.deepEqual(metricNames(every).slice(0, changed.length), expected);
  assert.deepEqual(new Set(metricNames(every).slice(changed.length)), new Set(equal));
  assert.equal(metricNames(every).length, names.length);
  assert.ok(!all.stdout.includes('hidden'), 'nothing hidden with --all');
  for (const n of equal) assert.match(all.stdout, new RegExp(`^ {2}${n.replace('.', '\\.')} +\\S+ +\\S+ +0 `, 'm'));

  const md = await runCli(dir, ['diff', 'LAST~1', 'LAST', '--md']);
  const mdLines = md.stdout.split('\n');
  assert.ok(mdLines.indexOf('### Config') < mdLines.indexOf('### Metrics'));
  assert.ok(mdLines.indexOf('### Metrics') < mdLines.indexOf('### Stages'));
  const mdRows = mdLines.flatMap((l) => /^\| (\w+\.\w+) \|/.exec(l)?.[1] ?? []);
  assert.deepEqual(mdRows, expected);
  assert.ok(mdLines.includes(`_${equal.length} equal metrics hidden; --all shows them_`));

  const json = JSON.parse((await runCli(dir, ['diff', 'LAST~1', 'LAST', '--json'])).stdout) as DiffReport;
  assert.equal(json.metrics.length, names.length, 'JSON keeps every metric');
  assert.deepEqual(
    json.metrics.filter((m) => m.changed).map((m) => `${m.stage}.${m.metric}`),
    expected,
  );
  assert.deepEqual(
    new Set(json.metrics.filter((m) => !m.changed).map((m) => `${m.stage}.${m.metric}`)),
    new Set(equal),
  );
  assert.equal(json.metrics.find((m) => m.stage === 'evaluate' && m.metric === 'test_acc')?.group, 'evaluation');
  assert.equal(json.metrics.find((m) => m.stage === 'vocab' && m.metric === 'vocab_size')?.group, 'data');
});

test('the report of the two runs renders in headless Chromium with both runs on one loss plot', async (t) => {
  const made = await runCli(dir, ['report', 'LAST~1', 'LAST']);
  assert.equal(made.code, 0, made.stderr);
  const name = `${runIds.join('_')}.html`;
  assert.equal(made.stdout, `report of ${runIds.join(', ')} written to .tfpipe/reports/${name}\n`);
  const report = join(dir, '.tfpipe/reports', name);
  t.diagnostic(`report: ${report}`);
  if (!existsSync(CHROMIUM)) return t.skip('chromium not installed: apt-get install chromium');

  const charts = await measureCharts(report, join(dir, 'probe.html'));
  // The split legend (solid train, dashed valid) is the only key to which line is which: its strokes must be drawn.
  const html = await readFile(report, 'utf8');
  const splitSymbols = [...html.matchAll(/<path [^>]*d="M-5,0L5,0"[^>]*>/g)].map((m) => m[0]);
  assert.equal(splitSymbols.length, 4, 'a train and a valid symbol in the legend of both curve plots');
  for (const symbol of splitSymbols)
    assert.match(symbol, / stroke="#[0-9a-f]{3,6}"/, `legend symbol has a stroke colour: ${symbol}`);
  for (const name of ['loss-per-epoch', 'acc-per-epoch']) {
    const chart = charts.find((c) => c.name === name);
    assert.ok(chart, `a ${name} chart among ${charts.map((c) => c.name).join(', ')}`);
    assert.equal(chart.lines.length, 4, `${name}: train and valid of both runs`);
    assert.ok(
      chart.lines.every((l) => l.length > 0),
      `${name}: every line has a length on screen`,
    );
    assert.equal(new Set(chart.lines.map((l) => l.stroke)).size, 2, `${name}: one colour per run`);
    for (const run of ['lab1', 'lab1-bidi'])
      assert.equal(pointsOfRun(chart, run).length, 4, `${name}: ${run} has 2 epochs × train, valid inside the plot`);
  }

  const png = join(dir, 'report.png');
  await screenshot(report, png, 1200, 3000);
  await copyFile(png, SCREENSHOT);
  t.diagnostic(`screenshot: ${SCREENSHOT} (also ${png})`);
});

test('a lab1 run interrupted with Ctrl-C while training is listed by tfpipe runs as interrupted', async () => {
  // Many epochs, so the interrupt surely lands while it trains.
  const run = startCli(dir, ['run', 'lab1.yaml', '--set', 'stages.train.epochs=500']);
  await waitForOutput(run, '▶ train (train) started');
  run.child.kill('SIGINT');
  const interrupted = await run.done;
  assert.equal(interrupted.code, 130, interrupted.stdout + interrupted.stderr);
  assert.match(interrupted.stdout, /^■ train interrupted after /m);

  const runs = await runCli(dir, ['runs']);
  assert.equal(runs.code, 0, runs.stderr);
  const rows = runs.stdout.trimEnd().split('\n').slice(1);
  assert.equal(rows.length, 3);
  assert.match(rows[0], new RegExp(`^${runIds[0]} +lab1 .* 6 ran, 0 cached .* ok$`));
  assert.match(rows[1], new RegExp(`^${runIds[1]} +lab1-bidi .* 2 ran, 4 cached .* ok$`));
  assert.match(
    rows[2],
    /^\S+ +lab1 .* 0 ran, 4 cached, 1 interrupted, 1 not-run +.* interrupted$/,
    'train interrupted, evaluate never started',
  );
  const records = JSON.parse((await runCli(dir, ['runs', '--json'])).stdout) as RunRecord[];
  assert.deepEqual(
    records.map((r) => r.status),
    ['ok', 'ok', 'interrupted'],
  );
  assert.deepEqual(
    records[2].stages.map((s) => [s.id, s.action]),
    [
      ['imdb', 'cached'],
      ['split', 'cached'],
      ['vocab', 'cached'],
      ['tokenize', 'cached'],
      ['train', 'interrupted'],
      ['evaluate', 'not-run'],
    ],
  );
});
