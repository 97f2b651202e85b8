// The report's small helpers: numbers rounded by what they are, the params that differ, run labels of a sweep,
// the compare stage's table, records without id arrays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparisonTable, readComparison } from '../../runner/report/comparison.ts';
import { recordsHtml } from '../../runner/report/html.ts';
import { formatReportNumber } from '../../runner/report/numbers.ts';
import { differingParams } from '../../runner/report/params.ts';
import { runLabels, sweepLabel } from '../../runner/runs/labels.ts';
import { makeRecord } from '../runs/fixtures.ts';

test('probabilities to 4 decimals, losses to 4 significant digits, counts grouped', () => {
  assert.equal(formatReportNumber(0.9957342157745361, 'probability'), '0.9957');
  assert.equal(formatReportNumber(0.8, 'test_acc'), '0.8000');
  assert.equal(formatReportNumber(0.00012345, 'valid_f1'), '0.0001');
  assert.equal(formatReportNumber(2.302585092994046, 'valid_loss'), '2.303');
  assert.equal(formatReportNumber(27.341234, 'valid_perplexity'), '27.34');
  assert.equal(formatReportNumber(0.000123456, 'loss'), '0.0001235');
  assert.equal(formatReportNumber(124439808, 'all_params'), '124,439,808');
});

test('differing params: only the paths whose values are not all equal, missing counted as different', () => {
  const a = { name: 'lab1', stages: { train: { lr: 0.01, epochs: 2 }, evaluate: { part: 'test' } } };
  const b = { name: 'lab1', stages: { train: { lr: 0.003, epochs: 2 }, evaluate: { part: 'test' }, extra: { k: 1 } } };
  assert.deepEqual(differingParams([a, b]), [
    { path: 'stages.train.lr', values: [0.01, 0.003] },
    { path: 'stages.extra.k', values: [undefined, 1] },
  ]);
  assert.deepEqual(differingParams([a]), []);
});

test('sweep runs are named by their swept values; repeated names get the id tail', () => {
  const sweep = (index: number, lr: number) => ({ id: 's1', index, total: 2, assignments: { 'stages.train.lr': lr } });
  assert.equal(sweepLabel({ 'stages.train.lr': 0.003, 'stages.lora.r': 8 }), 'lr=0.003 r=8');
  const records = [
    makeRecord('20261128-071500-ab10', { sweep: sweep(1, 0.01) }),
    makeRecord('20261128-071501-ab11', { sweep: sweep(2, 0.003) }),
    makeRecord('20261128-071502-ab12'),
    makeRecord('20261128-071503-ab13'),
  ];
  assert.deepEqual(runLabels(records), ['lr=0.01', 'lr=0.003', 'lab 071502-ab12', 'lab 071503-ab13']);
});

test('the compare table: its own columns, digits as the pipeline asks, keys from the config', () => {
  const json = {
    columns: ['perplexity', 'trainable_params', 'generated_text'],
    rows: [
      { name: 'base', valid_perplexity: 58.123456, trainable_params: null, generated_text: 'The model is a <b>' },
      { name: 'LoRA', valid_perplexity: 31.98765, trainable_params: 64, generated_text: 'The model is good' },
    ],
  };
  const params = {
    columns: [{ metric: 'valid_perplexity', name: 'perplexity', digits: 1 }, 'trainable_params', 'generated_text'],
  };
  const table = comparisonTable(readComparison(json, params)!);
  assert.match(
    table,
    /<th><\/th><th class="num">perplexity<\/th><th class="num">trainable_params<\/th><th>generated_text<\/th>/,
  );
  assert.match(
    table,
    /<tr><td>base<\/td><td class="num">58.1<\/td><td class="num">—<\/td><td><span class="text">The model is a &lt;b&gt;<\/span><\/td><\/tr>/,
  );
  assert.match(table, /<tr><td>LoRA<\/td><td class="num">32.0<\/td><td class="num">64<\/td>/);
  // Without the params (an older record), the rows' keys in order name the columns.
  assert.match(comparisonTable(readComparison(json, {})!), /<td class="num">58.12<\/td>/);
});

test('records: id arrays left out, probabilities rounded', () => {
  const html = recordsHtml([
    { prompt: 'The model is', text: 'The model is good', new_tokens: 2, new_ids: [922, 13], probability: 0.912345678 },
  ]);
  assert.doesNotMatch(html, /new_ids|922/);
  assert.match(html, /<td class="num">2<\/td><td class="num">0.9123<\/td>/);
});
