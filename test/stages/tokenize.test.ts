// The tokenize stage: word ids from a vocab (OOV, truncation, empty rows), GPT-2 BPE pack and pad, and the
// train/ valid/ test/ mirror of a splits input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IGNORE_INDEX } from '../../models/gpt2/batch.ts';
import { listTokenParts, readTokenParts, readTokens, type Tokens } from '../../stages/artifacts/tokens.ts';
import type { ArtifactRef } from '../../stages/stage.ts';
import { GPT2_EOS_ID, GPT2_VOCAB_SIZE } from '../../stages/text/bpe.ts';
import { tokenizeStage, type TokenizeParams } from '../../stages/tokenize.ts';
import { vocabStage } from '../../stages/vocab.ts';
import { HF_REFERENCE, makeTestContext } from '../helpers/context.ts';
import { stageParams } from '../helpers/params.ts';
import { datasetRef, refTo, rows, splitsRef } from './text/refs.ts';

async function tokenize(params: Partial<TokenizeParams>, inputs: Record<string, ArtifactRef>) {
  const ctx = await makeTestContext({ stageId: 'tok' });
  const result = await tokenizeStage.run(
    ctx,
    stageParams<TokenizeParams>('tokenize', params, Object.keys(inputs)),
    inputs,
  );
  return { dir: ctx.outDir, result, ctx };
}

async function vocabFrom(texts: string[]): Promise<ArtifactRef> {
  const ctx = await makeTestContext({ stageId: 'vocab' });
  await vocabStage.run(ctx, stageParams('vocab', { min_freq: 1 }), { input: await datasetRef(rows(texts)) });
  return refTo('vocab', ctx.outDir, 'vocab');
}

function row(t: Tokens, r: number, labels = false): number[] {
  return Array.from((labels ? t.labels! : t.ids).subarray(r * t.width, (r + 1) * t.width));
}

// vocab: <pad> 0, <unk> 1, good 2, film 3, bad 4, plot 5
const TRAIN = ['Good film.', 'Bad plot, bad film'];

test('word mode: vocab ids, OOV → unk, first max_length words kept, pad after', async () => {
  const vocab = await vocabFrom(TRAIN);
  const input = await datasetRef(rows(['good unseen FILM', 'bad bad plot good film film', 'The film!'], [1, 0, 1]));
  const { dir, result } = await tokenize({ mode: 'word', max_length: 4 }, { input, vocab });
  const t = await readTokens(dir);
  assert.equal(t.mode, 'word');
  assert.equal(t.layout, 'pad');
  assert.equal(t.rows, 3);
  assert.equal(t.width, 4);
  assert.deepEqual(row(t, 0), [2, 1, 3, 0]);
  assert.deepEqual(row(t, 1), [4, 4, 5, 2]);
  assert.deepEqual(row(t, 2), [3, 0, 0, 0]); // "the" is a stopword, dropped before lookup
  assert.deepEqual(Array.from(t.lengths), [3, 4, 1]);
  assert.equal(t.labelKind, 'class');
  assert.deepEqual(Array.from(t.labels!), [1, 0, 1]);
  assert.deepEqual(t.labelNames, ['negative', 'positive']);
  assert.equal(t.vocabSize, 6);
  assert.equal(t.padId, 0);
  assert.equal(result.metrics?.truncated_rows, 1);
});

test('word mode: a row with no word left becomes one unk of length 1', async () => {
  const vocab = await vocabFrom(TRAIN);
  const input = await datasetRef(rows(['It is what it is.', '', '!!! ...', 'good']));
  const { dir, result } = await tokenize({ mode: 'word', max_length: 3 }, { input, vocab });
  const t = await readTokens(dir);
  assert.deepEqual(Array.from(t.lengths), [1, 1, 1, 1]);
  for (let r = 0; r < 3; r++) assert.deepEqual(row(t, r), [1, 0, 0]);
  assert.deepEqual(row(t, 3), [2, 0, 0]);
  assert.equal(t.labelKind, 'none');
  assert.equal(t.labels, null);
  assert.equal(result.metrics?.empty_rows, 3);
});

test('word mode: a splits input gives train/ valid/ test/ parts, a missing part stays missing', async () => {
  const vocab = await vocabFrom(TRAIN);
  const input = await splitsRef({ train: rows(['good film', 'bad'], [1, 0]), test: rows(['plot'], [0]) });
  const { dir, result } = await tokenize({ mode: 'word', max_length: 2 }, { input, vocab });
  assert.deepEqual(await listTokenParts(dir), ['train', 'test']);
  const parts = await readTokenParts(dir);
  assert.deepEqual(Object.keys(parts), ['train', 'test']);
  assert.deepEqual(Array.from(parts.train!.ids), [2, 3, 4, 0]);
  assert.deepEqual(Array.from(parts.test!.ids), [5, 0]);
  assert.deepEqual(Array.from(parts.test!.labels!), [0]);
  assert.deepEqual((await readTokens(join(dir, 'train'))).lengths, parts.train!.lengths);
  await assert.rejects(readTokens(dir), /holds token splits \(train, test\)/);
  assert.equal(result.metrics?.train_rows, 2);
  assert.equal(result.metrics?.test_rows, 1);
});

const CASES = JSON.parse(readFileSync(join(HF_REFERENCE, 'tokenizer.json'), 'utf8')) as {
  text: string;
  ids: number[];
}[];

test('bpe pack: rows tokenised one by one, concatenated, cut into blocks, remainder dropped, labels = inputs', async () => {
  const picked = CASES.slice(0, 4);
  const input = await datasetRef(rows(['', ...picked.map((c) => c.text), '']));
  const blockSize = 20;
  const { dir, result } = await tokenize({ mode: 'bpe', block_size: blockSize }, { input });
  const t = await readTokens(dir);
  const all = picked.flatMap((c) => c.ids);
  const blocks = Math.floor(all.length / blockSize);
  assert.equal(t.layout, 'pack');
  assert.equal(t.rows, blocks);
  assert.equal(t.width, blockSize);
  assert.deepEqual(Array.from(t.ids), all.slice(0, blocks * blockSize));
  assert.deepEqual(t.labels, t.ids);
  assert.equal(t.labelKind, 'position');
  assert.deepEqual(Array.from(t.lengths), Array(blocks).fill(blockSize));
  assert.equal(t.vocabSize, GPT2_VOCAB_SIZE);
  assert.equal(t.padId, null);
  assert.equal(result.metrics?.skipped_rows, 2 + picked.filter((c) => c.ids.length === 0).length, 'the blank rows');
  assert.equal(result.metrics?.dropped_tokens, all.length % blockSize);
});

test('bpe pad: one row per non-empty text, eos padding, -100 labels at padded positions', async () => {
  const maxLength = 16;
  // A reference string shorter than max_length (padded) and one longer (cut).
  const a = CASES.find((c) => c.ids.length > 0 && c.ids.length < maxLength)!;
  const b = CASES.find((c) => c.ids.length > maxLength)!;
  const input = await splitsRef({ train: rows([a.text, '', b.text]), valid: rows([b.text]) });
  const { dir } = await tokenize({ mode: 'bpe', layout: 'pad', max_length: maxLength }, { input });
  const parts = await readTokenParts(dir);
  const train = parts.train!;
  assert.equal(train.rows, 2);
  assert.equal(train.padId, GPT2_EOS_ID);
  const pad = maxLength - a.ids.length;
  assert.deepEqual(row(train, 0), [...a.ids, ...Array(pad).fill(GPT2_EOS_ID)]);
  assert.deepEqual(row(train, 0, true), [...a.ids, ...Array(pad).fill(IGNORE_INDEX)]);
  assert.deepEqual(row(train, 1), b.ids.slice(0, maxLength));
  assert.deepEqual(row(train, 1, true), b.ids.slice(0, maxLength));
  assert.deepEqual(Array.from(train.lengths), [a.ids.length, maxLength]);
  assert.deepEqual(row(parts.valid!, 0), b.ids.slice(0, maxLength));
});

test('bpe pad, keep_empty: empty texts stay as rows of padding only (length 0, labels all -100), in their place', async () => {
  const maxLength = 8;
  const a = CASES.find((c) => c.ids.length > 0 && c.ids.length < maxLength)!;
  const input = await datasetRef(rows(['', a.text, '']));
  const { dir, result } = await tokenize(
    { mode: 'bpe', layout: 'pad', max_length: maxLength, keep_empty: true },
    { input },
  );
  const t = await readTokens(dir);
  assert.equal(t.rows, 3);
  assert.deepEqual(Array.from(t.lengths), [0, a.ids.length, 0]);
  for (const r of [0, 2]) {
    assert.deepEqual(row(t, r), Array(maxLength).fill(GPT2_EOS_ID));
    assert.deepEqual(row(t, r, true), Array(maxLength).fill(IGNORE_INDEX));
  }
  assert.deepEqual(row(t, 1).slice(0, a.ids.length), a.ids);
  assert.equal(result.metrics?.empty_rows, 2);
  assert.equal(result.metrics?.skipped_rows, 0);
});

test('bpe pad without max_length pads to the gpt2 tokenizer model_max_length (1024), as padding=max_length does', async () => {
  const { dir } = await tokenize({ mode: 'bpe', layout: 'pad' }, { input: await datasetRef(rows([CASES[0].text])) });
  const t = await readTokens(dir);
  assert.equal(t.width, 1024);
});

test('errors name the stage and the missing or misplaced key', async () => {
  const input = await datasetRef(rows(TRAIN));
  const vocab = await vocabFrom(TRAIN);
  await assert.rejects(
    tokenizeStage.run(
      await makeTestContext({ stageId: 'tok' }),
      { mode: 'word', max_length: 3, block_size: 1024, keep_empty: false },
      { input },
    ),
    /stage tok: mode word needs a `vocab` input/,
  );
  await assert.rejects(
    tokenize({ mode: 'word' }, { input, vocab }),
    /must have required property 'max_length'/,
    'the schema requires it',
  );
  await assert.rejects(tokenize({ mode: 'bpe' }, { input, vocab }), /remove the `vocab` input/);
  await assert.rejects(tokenize({ mode: 'bpe', max_length: 8 }, { input }), /max_length is for layout pad/);
  await assert.rejects(tokenize({ mode: 'bpe', keep_empty: true }, { input }), /keep_empty is for layout pad/);
});
