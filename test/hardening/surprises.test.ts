// No silent surprises: a seed past 32 bits used to wrap (4294967296 split as seed 0 under another fingerprint);
// without `labels:` a typo'd label became a class of its own; an all-empty text column trained with exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rareLabels } from '../../stages/data/labels.ts';
import { makeProject, runCli } from '../cli/helpers.ts';
import { assertProbe, labelledCsv, loadPipeline } from './probe.ts';

const splitPipeline = (seed: string, splitSeed = '') =>
  `seed: ${seed}\nstages:\n  data:\n    kind: load\n    path: d.csv\n    columns: {text: text, label: label}\n  split: {kind: split, input: data, test: 0.25${splitSeed}}\n`;

for (const [seed, message] of [
  ['4294967296', /p\.yaml:1:7: `seed` must be <= 4294967295, got number 4294967296/],
  ['-1', /p\.yaml:1:7: `seed` must be >= 0, got number -1/],
  ['1.5', /p\.yaml:1:7: `seed` must be integer, got number 1\.5/],
] as const) {
  test(`probe: a pipeline seed of ${seed} is a validate error at its file:line:col`, async () => {
    const dir = await makeProject({ 'd.csv': labelledCsv(), 'p.yaml': splitPipeline(seed) });
    assertProbe(await runCli(dir, ['validate', 'p.yaml']), 2, message);
  });
}

test('probe: a seed past 32 bits through --set, or on a stage, is refused where it is written', async () => {
  const dir = await makeProject({
    'd.csv': labelledCsv(),
    'p.yaml': splitPipeline('0'),
    's.yaml': splitPipeline('0', ', seed: 4294967296'),
  });
  assertProbe(
    await runCli(dir, ['run', 'p.yaml', '--set', 'seed=4294967296']),
    2,
    /--set:1:6: `seed` must be <= 4294967295, got number 4294967296/,
  );
  assertProbe(
    await runCli(dir, ['validate', 's.yaml']),
    2,
    /s\.yaml:7:55: `seed` must be <= 4294967295, got number 4294967296/,
  );
  assertProbe(await runCli(dir, ['validate', 'p.yaml', '--set', 'seed=4294967295']), 0, /p\.yaml: valid/);
});

test('probe: without labels:, the labels seen are printed and a one-row class is a warning', async () => {
  const rows = labelledCsv(300).trimEnd().split('\n');
  const csv = [...rows, 'an odd one,postive'].join('\n') + '\n';
  const dir = await makeProject({ 'd.csv': csv, 'p.yaml': loadPipeline('d.csv') });
  const result = await runCli(dir, ['run', 'p.yaml']);
  assertProbe(
    result,
    0,
    /data: labels seen in d\.csv \(no `labels:` given; ids in this order\): "neg" 150, "pos" 150, "postive" 1/,
  );
  assert.match(result.stdout, /data: warning: label "postive" has only 1 of 301 rows \(0\.33%\): a typo\?/);
  assert.equal((result.stdout.match(/warning:/g) ?? []).length, 1, 'only the rare class is warned about');
});

test('probe: with labels:, a typo is an error naming the file and row (and nothing is printed about labels seen)', async () => {
  const dir = await makeProject({
    'd.csv': `${labelledCsv(4)}odd,postive\n`,
    'p.yaml': `${loadPipeline('d.csv')}    labels: [neg, pos]\n`,
  });
  const result = await runCli(dir, ['run', 'p.yaml']);
  assertProbe(result, 1, /d\.csv:6: label "postive" is not in labels \[neg, pos\]/);
  assert.doesNotMatch(result.stdout, /labels seen/);
});

test('probe: a text column empty in every row fails the load, naming the file and the column', async () => {
  const dir = await makeProject({
    'd.csv': 'body,label\n,pos\n  ,neg\n"",pos\n',
    'p.yaml': 'stages:\n  data: {kind: load, path: d.csv, columns: {text: body, label: label}}\n',
  });
  assertProbe(
    await runCli(dir, ['run', 'p.yaml']),
    1,
    /data \(load\): failed — d\.csv: the text column `body` is empty in every row/,
  );
});

test('probe: a text file of blank lines fails the load, naming the file', async () => {
  const dir = await makeProject({
    'blank.txt': '\n\n  \n',
    'p.yaml': 'stages:\n  data: {kind: load, path: blank.txt}\n',
  });
  assertProbe(await runCli(dir, ['run', 'p.yaml']), 1, /data \(load\): failed — blank\.txt: every line is empty/);
});

test('rare labels: under 1% of the rows, or under 10 rows and a tenth of the largest class or less', () => {
  assert.deepEqual(rareLabels([2, 2]), [], 'a balanced tiny file');
  assert.deepEqual(rareLabels([150, 150, 1]), [2]);
  assert.deepEqual(rareLabels([9, 90]), [0], '9 rows, a tenth of 90');
  assert.deepEqual(rareLabels([9, 80]), [], '9 rows, more than a tenth of 80, and over 1%');
  assert.deepEqual(rareLabels([40, 5000, 5000]), [0], 'under 1% of 10,040 rows');
  assert.deepEqual(rareLabels([7]), [], 'one class is never rare');
});
