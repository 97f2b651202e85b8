// `tfpipe predict` and `tfpipe export` on a classifier trained by a test-sized lab 1: the command gives the predict
// stage's figures for the same texts (command line, --input, --out, --json); the exported folder read in PyTorch,
// by a model class written here and by the README's own code, gives tfpipe's probabilities within 1e-5; errors
// name the stage, the flag or the folder.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { lab1Pipeline, reviewsCsv } from './lab1-fixture.ts';
import { makeProject, runCli } from './helpers.ts';
import { runPython, torchMissing } from '../peers/torch.ts';

const TEXTS = [
  'a great, moving film',
  'boring and weak; the plot was awful',
  'the actor was fine but the story dull',
  'good good good',
];

const PIPELINE =
  lab1Pipeline({ loadId: 'reviews' }) +
  [
    '  predict:',
    '    kind: predict',
    '    model: train',
    '    texts:',
    ...TEXTS.map((t) => `      - ${JSON.stringify(t)}`),
  ].join('\n') +
  '\n';

interface Predictions {
  kind: string;
  labelNames: string[];
  rows: { text: string; label: string; probabilities: number[] }[];
}

let dir: string;
before(async () => {
  dir = await makeProject({ 'p.yaml': PIPELINE, 'reviews.csv': reviewsCsv(300) });
  const run = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
});

async function stagePredictions(): Promise<Record<string, string>[]> {
  const run = await runCli(dir, ['run', 'p.yaml', '--only', 'predict']);
  assert.match(run.stdout, /↺ predict/, 'the predict stage is cached');
  const cache = join(dir, '.tfpipe/cache');
  for (const entry of await readdir(cache)) {
    const csv = await readFile(join(cache, entry, 'out/predictions.csv'), 'utf8').catch(() => null);
    if (csv) return parse(csv, { columns: true }) as Record<string, string>[];
  }
  throw new Error('no predictions.csv in the cache');
}

async function predictJson(args: string[]): Promise<Predictions> {
  const run = await runCli(dir, ['predict', 'p.yaml', 'train', '--json', ...args]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  return JSON.parse(run.stdout) as Predictions;
}

test("tfpipe predict gives the predict stage's labels and probabilities, from the command line or --input", async () => {
  const expected = await stagePredictions();
  const fromArgs = await predictJson(TEXTS);
  assert.equal(fromArgs.kind, 'classes');
  assert.deepEqual(
    fromArgs.rows.map((r) => r.text),
    TEXTS,
  );
  fromArgs.rows.forEach((row, i) => {
    assert.equal(row.label, expected[i].label, `text ${i}`);
    assert.deepEqual(
      row.probabilities.map(String),
      fromArgs.labelNames.map((n) => expected[i][`prob_${n}`]),
      `text ${i}: the stage's probabilities`,
    );
  });

  await writeFile(join(dir, 'new.csv'), ['id,review', ...TEXTS.map((t, i) => `${i},"${t}"`)].join('\n') + '\n');
  assert.deepEqual(
    await predictJson(['--input', 'new.csv', '--column', 'review']),
    fromArgs,
    '--input csv with --column',
  );
  await writeFile(join(dir, 'new.txt'), TEXTS.join('\n') + '\n\n');
  assert.deepEqual(
    await predictJson(['--input', 'new.txt']),
    fromArgs,
    '--input text, one per line (blank lines skipped)',
  );

  const lines = await runCli(dir, ['predict', 'p.yaml', 'train', TEXTS[0], '--out', 'out.csv']);
  assert.equal(lines.code, 0, lines.stderr);
  const names = fromArgs.labelNames;
  const p = fromArgs.rows[0].probabilities;
  assert.equal(
    lines.stdout,
    `${fromArgs.rows[0].label} (${names.map((n, k) => `${n} ${p[k].toFixed(4)}`).join(', ')}): ${JSON.stringify(TEXTS[0])}\n`,
  );
  assert.deepEqual(
    parse(await readFile(join(dir, 'out.csv'), 'utf8'), { columns: true }),
    [expected[0]],
    "--out writes the stage's CSV row",
  );
});

test('tfpipe predict errors: the stage, the flag or the missing model is named; nothing is trained', async () => {
  const typo = await runCli(dir, ['predict', 'p.yaml', 'trian', 'x']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /p\.yaml has no stage `trian`; did you mean `train`\? stages that make a model: train/);
  const notModel = await runCli(dir, ['predict', 'p.yaml', 'evaluate', 'x']);
  assert.equal(notModel.code, 2);
  assert.match(
    notModel.stderr,
    /stage `evaluate` \(kind evaluate\) does not make a model; stages that make a model: train/,
  );
  const notCached = await runCli(dir, ['predict', 'p.yaml', 'train', 'x', '--set', 'stages.train.lr=0.9']);
  assert.equal(notCached.code, 1);
  assert.match(
    notCached.stderr,
    /stage `train` has no model to use: it is not in the cache \(backend \w+\); make it with `tfpipe run p\.yaml --to train --set stages\.train\.lr=0\.9`/,
  );
  const noTexts = await runCli(dir, ['predict', 'p.yaml', 'train']);
  assert.equal(noTexts.code, 2);
  assert.match(noTexts.stderr, /no texts: give them after STAGE/);
  const both = await runCli(dir, ['predict', 'p.yaml', 'train', 'x', '--input', 'new.csv']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /on the command line or with --input, not both/);
  const missingInput = await runCli(dir, ['predict', 'p.yaml', 'train', '--input', 'nope.csv']);
  assert.equal(missingInput.code, 2);
  assert.match(missingInput.stderr, /--input nope\.csv: no such file/);
  const device = await runCli(dir, ['predict', 'p.yaml', 'train', '--input', '/dev/zero']);
  assert.equal(device.code, 2);
  assert.match(device.stderr, /--input \/dev\/zero: it is a character device, not a regular file/);
  for (const r of [typo, notModel, notCached, noTexts, both, missingInput, device])
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test("tfpipe export of the classifier: the files, a README, and PyTorch gives tfpipe's probabilities within 1e-5", async (t) => {
  const run = await runCli(dir, ['export', 'p.yaml', 'train', 'exported']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual((await readdir(join(dir, 'exported'))).sort(), [
    'README.md',
    'config.json',
    'model.safetensors',
    'tokenizer.json',
    'vocab.json',
  ]);
  assert.deepEqual(
    (await readdir(dir)).filter((name) => name.includes('tfpipe-export')),
    [],
    'no temporary folder left',
  );
  const rules = JSON.parse(await readFile(join(dir, 'exported/tokenizer.json'), 'utf8'));
  assert.equal(
    rules.max_length,
    parseYaml(PIPELINE).stages.tokenize.max_length,
    'the tokenizer keeps the max_length the tokens were made with',
  );
  assert.equal(rules.lowercase, true);
  assert.equal(rules.stopwords.length > 0, true, 'the stopword list itself, not only its name');

  const missing = torchMissing();
  if (missing) return t.skip(missing);
  const tfpipe = await predictJson(TEXTS);
  const torch = JSON.parse(
    runPython(['test/peers/torch_classifier.py', join(dir, 'exported')], JSON.stringify(TEXTS)),
  ) as number[][];
  torch.forEach((probs, i) => {
    probs.forEach((p, k) =>
      assert.ok(
        Math.abs(p - tfpipe.rows[i].probabilities[k]) < 1e-5,
        `text ${i} class ${k}: torch ${p}, tfpipe ${tfpipe.rows[i].probabilities[k]}`,
      ),
    );
  });

  // The README's code, as a user would save and run it.
  const readme = await readFile(join(dir, 'exported/README.md'), 'utf8');
  const code = /```python\n([\s\S]*?)```/.exec(readme)![1];
  await writeFile(join(dir, 'load.py'), code);
  const printed = runPython([join(dir, 'load.py'), join(dir, 'exported'), ...TEXTS])
    .trim()
    .split('\n');
  printed.forEach((line, i) => {
    const row = tfpipe.rows[i];
    assert.equal(line, `${row.label} [${row.probabilities.map((p) => Number(p.toFixed(4))).join(', ')}] ${TEXTS[i]}`);
  });
});

test('tfpipe export refuses a folder that is not empty, and --merge of a classifier', async () => {
  await mkdir(join(dir, 'full'));
  await writeFile(join(dir, 'full/keep.txt'), 'mine');
  const full = await runCli(dir, ['export', 'p.yaml', 'train', 'full']);
  assert.equal(full.code, 2);
  assert.match(full.stderr, /full is not empty; give a new or empty folder to export into/);
  assert.equal(await readFile(join(dir, 'full/keep.txt'), 'utf8'), 'mine');
  const merge = await runCli(dir, ['export', 'p.yaml', 'train', 'other', '--merge']);
  assert.equal(merge.code, 2);
  assert.match(merge.stderr, /--merge applies to a LoRA adapter; this model is a classifier/);
  assert.deepEqual(
    (await readdir(dir)).filter((name) => name === 'other' || name.includes('tfpipe-export')),
    [],
  );
});
