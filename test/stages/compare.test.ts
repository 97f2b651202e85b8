// The compare stage: named rows joined from the stages each lists (first with a figure wins), a missing figure shown
// as —, durations as the homework writes them, a generate stage's text under the table, comparison.csv and
// metrics.json written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareStage, formatCell, formatDuration } from '../../stages/compare.ts';
import { listInputKey } from '../../stages/stage.ts';
import { makeTestContext } from '../helpers/context.ts';
import { artifactRef } from './lm-fixtures.ts';

async function metricsDir(figures: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-compare-'));
  await writeFile(join(dir, 'metrics.json'), JSON.stringify(figures));
  return dir;
}

test('joins figures per row from the stages it lists and prints an aligned table', async () => {
  const inputs = {
    [listInputKey('rows', 'base', 0)]: artifactRef(
      await metricsDir({ valid_perplexity: 812.25 }),
      'ppl_base',
      'metrics',
      'metrics',
    ),
    [listInputKey('rows', 'full', 0)]: artifactRef(
      await metricsDir({ valid_perplexity: 40.5, trainable_params: 999 }),
      'ppl_full',
      'metrics',
      'metrics',
    ),
    [listInputKey('rows', 'full', 1)]: artifactRef(
      await metricsDir({ trainable_params: 124439808, train_seconds: 61.25 }),
      'finetune',
      'model',
      'model',
    ),
  };
  const ctx = await makeTestContext({ stageId: 'compare' });
  const result = await compareStage.run(
    ctx,
    {
      title: 'Lab 2',
      rows: { base: ['ppl_base'], full: ['ppl_full', 'finetune'] },
      columns: [
        { metric: 'valid_perplexity', name: 'perplexity', digits: 2 },
        'trainable_params',
        { metric: 'train_seconds', digits: 1 },
      ],
    },
    inputs,
  );
  assert.deepEqual(result.summary, [
    'Lab 2',
    '      perplexity  trainable_params  train_seconds',
    '────  ──────────  ────────────────  ─────────────',
    'base      812.25                 —              —',
    'full       40.50               999           61.3',
  ]);
  assert.equal(result.metrics!.full_trainable_params, 999, 'ppl_full comes before finetune in this row');
  const json = JSON.parse(await readFile(join(ctx.outDir, 'metrics.json'), 'utf8'));
  assert.deepEqual(json.rows[0], {
    name: 'base',
    valid_perplexity: 812.25,
    trainable_params: null,
    train_seconds: null,
  });
  assert.equal(
    (await readFile(join(ctx.outDir, 'comparison.csv'), 'utf8')).split('\n')[0],
    'name,valid_perplexity,trainable_params,train_seconds',
  );
});

test('a generate stage gives its text, printed under the table; training time as the homework writes it', async () => {
  const texts = await mkdtemp(join(tmpdir(), 'tfpipe-compare-'));
  const text = 'GPT-2 is a language model based on transformer developed by OpenAI. It is a simple, fast model.';
  await writeFile(join(texts, 'texts.json'), JSON.stringify({ model: 'm', texts: [{ prompt: 'GPT-2 is', text }] }));
  const inputs = {
    [listInputKey('rows', 'LoRA', 0)]: artifactRef(
      await metricsDir({ train_seconds: 524.8 }),
      'lora',
      'model',
      'model',
    ),
    [listInputKey('rows', 'LoRA', 1)]: artifactRef(texts, 'generate_lora', 'text', 'texts'),
  };
  const ctx = await makeTestContext({ stageId: 'compare' });
  const result = await compareStage.run(
    ctx,
    {
      rows: { LoRA: ['lora', 'generate_lora'] },
      columns: [
        { metric: 'train_seconds', name: 'training time', format: 'duration' },
        { metric: 'generated_text', name: 'generated text' },
      ],
    },
    inputs,
  );
  assert.deepEqual(result.summary, [
    '      training time',
    '────  ─────────────',
    'LoRA       8m 44.8s',
    `LoRA, generated text: ${text}`,
  ]);
  const json = JSON.parse(await readFile(join(ctx.outDir, 'metrics.json'), 'utf8'));
  assert.deepEqual(json.rows, [{ name: 'LoRA', train_seconds: 524.8, generated_text: text }]);
});

test('a row whose input is missing is an error that names the row and the stage', async () => {
  const ctx = await makeTestContext({ stageId: 'cmp' });
  await assert.rejects(
    compareStage.run(ctx, { rows: { x: ['ppl'] }, columns: ['loss'] }, {}),
    /stage cmp: row "x" has no input for ppl/,
  );
});

test('formats integers with separators and other numbers to 4 significant digits', () => {
  assert.equal(formatCell(124439808), '124,439,808');
  assert.equal(formatCell(0.000123456), '0.0001235');
  assert.equal(formatCell(null), '—');
  assert.equal(formatDuration(870.4), '14m 30.4s');
  assert.equal(formatDuration(8.25), '8.3s');
});
