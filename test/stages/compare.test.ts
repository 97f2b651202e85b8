// The compare stage: rows joined from several stages' metrics.json (first input with a figure wins), a missing
// figure shown as —, the aligned table in the summary, comparison.csv and metrics.json written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareStage, formatCell } from '../../stages/compare.ts';
import { makeTestContext } from '../helpers/context.ts';
import { artifactRef } from './lm-fixtures.ts';

async function metricsDir(figures: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-compare-'));
  await writeFile(join(dir, 'metrics.json'), JSON.stringify(figures));
  return dir;
}

test('joins figures per row from its inputs and prints an aligned table', async () => {
  const inputs = {
    a: artifactRef(await metricsDir({ valid_perplexity: 812.25 }), 'ppl_base', 'metrics', 'metrics'),
    b: artifactRef(await metricsDir({ valid_perplexity: 40.5, trainable_params: 999 }), 'ppl_full', 'metrics', 'metrics'),
    c: artifactRef(await metricsDir({ trainable_params: 124439808, train_seconds: 61.25 }), 'finetune', 'model', 'model'),
  };
  const ctx = await makeTestContext({ stageId: 'compare' });
  const result = await compareStage.run(ctx, {
    title: 'Lab 2',
    rows: [{ name: 'base', from: ['a'] }, { name: 'full', from: ['b', 'c'] }],
    columns: [{ metric: 'valid_perplexity', name: 'perplexity', digits: 2 }, 'trainable_params', { metric: 'train_seconds', digits: 1 }],
  }, inputs);
  assert.deepEqual(result.summary, [
    'Lab 2',
    '      perplexity  trainable_params  train_seconds',
    '────  ──────────  ────────────────  ─────────────',
    'base      812.25                 —              —',
    'full       40.50               999           61.3',
  ]);
  assert.equal(result.metrics!.full_trainable_params, 999, 'b comes before c for this row');
  const json = JSON.parse(await readFile(join(ctx.outDir, 'metrics.json'), 'utf8'));
  assert.deepEqual(json.rows[0], { name: 'base', valid_perplexity: 812.25, trainable_params: null, train_seconds: null });
  assert.equal((await readFile(join(ctx.outDir, 'comparison.csv'), 'utf8')).split('\n')[0], 'name,valid_perplexity,trainable_params,train_seconds');
});

test('a row naming an input that is not given is an error that says which', async () => {
  const ctx = await makeTestContext({ stageId: 'cmp' });
  await assert.rejects(compareStage.run(ctx, { rows: [{ name: 'x', from: ['d'] }], columns: ['loss'] }, {}), /stage cmp: row "x" reads d, which name no stage/);
});

test('formats integers with separators and other numbers to 4 significant digits', () => {
  assert.equal(formatCell(124439808), '124,439,808');
  assert.equal(formatCell(0.000123456), '0.0001235');
  assert.equal(formatCell(null), '—');
});
