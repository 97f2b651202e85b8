// The report's charts, rendered by Vega in Node from synthetic histories: one line per run and split, one point
// per epoch, series told apart by colour and splits by dash when overlaid; ROC-like curves on the unit square; every
// chart's legend bound to a selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileSpec,
  confusionSpec,
  curveRows,
  curveSpec,
  renderSvg,
  xyCurveSpec,
} from '../../runner/report/charts.ts';
import { drawnMarks } from './svg-marks.ts';

const historyA = [
  { epoch: 1, train_loss: 0.69, train_acc: 0.52, valid_loss: 0.7, valid_acc: 0.5 },
  { epoch: 2, train_loss: 0.5, train_acc: 0.75, valid_loss: 0.58, valid_acc: 0.7 },
  { epoch: 3, train_loss: 0.35, train_acc: 0.86, valid_loss: 0.5, valid_acc: 0.78 },
];
const historyB = historyA
  .slice(0, 2)
  .map((r) => ({ ...r, train_loss: r.train_loss - 0.1, valid_loss: r.valid_loss - 0.05 }));

test('curve rows: train and valid columns of one quantity, per epoch; a bare column is train', () => {
  const rows = curveRows([{ label: 'A', rows: historyA }], 'loss', 'epoch');
  assert.deepEqual(rows.slice(0, 2), [
    { series: 'A', split: 'train', x: 1, y: 0.69 },
    { series: 'A', split: 'valid', x: 1, y: 0.7 },
  ]);
  assert.equal(rows.length, 6);
  assert.deepEqual(
    curveRows(
      [
        {
          label: 'ft',
          rows: [
            { step: 10, loss: 3.2, lr: 1e-4 },
            { step: 20, loss: 2.9, lr: 1e-4 },
          ],
        },
      ],
      'loss',
      'step',
    ),
    [
      { series: 'ft', split: 'train', x: 10, y: 3.2 },
      { series: 'ft', split: 'train', x: 20, y: 2.9 },
    ],
  );
});

test('one run: a line per split with a point per epoch', async () => {
  const svg = await renderSvg(
    curveSpec({
      title: 'train: loss per epoch',
      x: 'epoch',
      y: 'loss',
      rows: curveRows([{ label: 'A', rows: historyA }], 'loss', 'epoch'),
    }),
  );
  const marks = drawnMarks(svg);
  assert.deepEqual(
    marks.lines.map((l) => l.vertices),
    [3, 3],
  );
  assert.notEqual(marks.lines[0].stroke, marks.lines[1].stroke, 'train and valid in two colours');
  assert.equal(marks.points.length, 6);
  assert.ok(marks.points.some((p) => p.includes('loss: 0.35') && p.includes('split: train')));
  assert.match(svg, /train: loss per epoch/);
});

test('two runs overlaid: colour per run, dash per split, every point drawn', async () => {
  const rows = curveRows(
    [
      { label: 'lab1', rows: historyA },
      { label: 'lab1-bidi', rows: historyB },
    ],
    'acc',
    'epoch',
  );
  const marks = drawnMarks(await renderSvg(curveSpec({ title: 'acc', x: 'epoch', y: 'accuracy', rows })));
  assert.deepEqual(marks.lines.map((l) => l.vertices).sort(), [2, 2, 3, 3]);
  assert.equal(new Set(marks.lines.map((l) => l.stroke)).size, 2);
  assert.deepEqual(marks.lines.map((l) => l.dashed).filter(Boolean).length, 2);
  assert.equal(marks.points.length, 10);
  assert.ok(marks.points.some((p) => p.includes('run: lab1-bidi')));
});

test('the legend picks a series: a point selection bound to it, fading the others', async () => {
  const rows = curveRows(
    [
      { label: 'finetune', rows: historyA },
      { label: 'lora', rows: historyB },
    ],
    'loss',
    'epoch',
  );
  const spec = curveSpec({ title: 'loss', x: 'epoch', y: 'loss', rows, legend: 'stage' });
  assert.deepEqual(spec.params, [
    { name: 'legend_pick', select: { type: 'point', fields: ['series'] }, bind: 'legend' },
  ]);
  const vega = JSON.stringify(await compileSpec(spec));
  assert.match(vega, /"name":"legend_pick_toggle"/, 'a legend click toggles the selection');
  assert.match(vega, /"tooltip":\{"signal"/, 'marks carry a tooltip');
  const svg = await renderSvg(spec);
  assert.ok(drawnMarks(svg).points.some((p) => p.includes('stage: lora')));
});

test('ROC rows: a line per series on [0, 1] axes, drawn in point order', async () => {
  const rows = [
    { series: 'a (AUC 0.75)', x: 0, y: 0 },
    { series: 'a (AUC 0.75)', x: 0, y: 0.5 },
    { series: 'a (AUC 0.75)', x: 0.5, y: 1 },
    { series: 'a (AUC 0.75)', x: 1, y: 1 },
    { series: 'b (AUC 0.5)', x: 0, y: 0 },
    { series: 'b (AUC 0.5)', x: 1, y: 1 },
  ];
  const marks = drawnMarks(await renderSvg(xyCurveSpec({ title: 'ROC', x: 'fpr', y: 'tpr', rows })));
  assert.deepEqual(marks.lines.map((l) => l.vertices).sort(), [2, 4]);
  assert.equal(marks.points.length, 6);
});

test('the confusion matrix is a cell per (actual, predicted) with its count', async () => {
  const svg = await renderSvg(
    confusionSpec(
      [
        [40, 10],
        [6, 44],
      ],
      ['negative', 'positive'],
    ),
  );
  assert.equal([...svg.matchAll(/aria-roledescription="rect mark"/g)].length, 4);
  for (const count of ['40', '10', '6', '44']) assert.match(svg, new RegExp(`<text[^>]*>${count}</text>`));
  assert.match(svg, />positive</);
});
