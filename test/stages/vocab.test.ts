// The vocab stage on small datasets: the homework's Counter order, min_freq, max_size, the specials, train only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readVocab } from '../../stages/artifacts/vocab.ts';
import { vocabStage } from '../../stages/vocab.ts';
import { makeTestContext } from '../helpers/context.ts';
import { stageParams } from '../helpers/params.ts';
import { datasetRef, refTo, rows, splitsRef } from './text/refs.ts';
import type { ArtifactRef } from '../../stages/stage.ts';

/** `params` as a pipeline writes them; the schema's defaults are filled in by stageParams. */
async function buildVocab(input: ArtifactRef, params: Record<string, unknown> = {}) {
  const ctx = await makeTestContext({ stageId: 'vocab' });
  const result = await vocabStage.run(ctx, stageParams('vocab', params), { input });
  return { vocab: await readVocab(ctx.outDir), result, ctx };
}

// zeta 3, alpha 3, beta 2, gamma 1, delta 1 (case and punctuation folded); "the" and "is" are stopwords.
const GREEK = ['Zeta alpha, zeta.', 'beta ALPHA zeta is', 'the gamma beta alpha!', 'delta'];

test('words seen min_freq times, in first-occurrence order after <pad> 0 and <unk> 1', async () => {
  const { vocab, result } = await buildVocab(await datasetRef(rows(GREEK)), { min_freq: 2 });
  assert.deepEqual(vocab.tokens, ['<pad>', '<unk>', 'zeta', 'alpha', 'beta']);
  // unk counts the train words that map to it (gamma, delta); pad counts nothing.
  assert.deepEqual(Array.from(vocab.counts), [0, 2, 3, 3, 2]);
  assert.equal(vocab.padIndex, 0);
  assert.equal(vocab.unkIndex, 1);
  assert.equal(vocab.minFreq, 2);
  assert.equal(vocab.maxSize, null);
  assert.deepEqual(vocab.normalization, { lowercase: true, stripPunctuation: true, stopwords: 'nltk-english' });
  assert.equal(result.metrics?.vocab_size, 5);
  assert.equal(result.metrics?.distinct_words, 5);
  assert.equal(result.metrics?.train_words, 10);
});

test('min_freq defaults to 5', async () => {
  const texts = ['often often often often often rare', 'rare'];
  const { vocab } = await buildVocab(await datasetRef(rows(texts)));
  assert.deepEqual(vocab.tokens, ['<pad>', '<unk>', 'often']);
});

test('max_size keeps the most frequent words (ties: first seen) but lists them in first-occurrence order', async () => {
  // counts: gamma 1, beta 2, alpha 3 → the two most frequent are alpha and beta; beta was seen first.
  const skewed = await buildVocab(await datasetRef(rows(['gamma beta beta alpha alpha alpha'])), {
    min_freq: 1,
    max_size: 4,
  });
  assert.deepEqual(skewed.vocab.tokens, ['<pad>', '<unk>', 'beta', 'alpha']);
  assert.deepEqual(Array.from(skewed.vocab.counts), [0, 1, 2, 3]);
  // a and b tie at 2; b occurs first and wins the one free place.
  const tie = await buildVocab(await datasetRef(rows(['b a a b c'])), { min_freq: 1, max_size: 3 });
  assert.deepEqual(tie.vocab.tokens, ['<pad>', '<unk>', 'b']);
  // A limit that cuts nothing changes nothing.
  const loose = await buildVocab(await datasetRef(rows(GREEK)), { min_freq: 2, max_size: 100 });
  assert.deepEqual(loose.vocab.tokens, ['<pad>', '<unk>', 'zeta', 'alpha', 'beta']);
});

test('custom specials and swapped indices', async () => {
  const params = { min_freq: 3, pad_token: '[PAD]', pad_index: 1, unk_token: '[UNK]', unk_index: 0 };
  const { vocab, ctx } = await buildVocab(await datasetRef(rows(GREEK)), params);
  assert.deepEqual(vocab.tokens, ['[UNK]', '[PAD]', 'zeta', 'alpha']);
  assert.equal(vocab.padIndex, 1);
  assert.equal(vocab.unkIndex, 0);
  assert.deepEqual(Array.from(vocab.counts), [4, 0, 3, 3]); // unk: beta ×2, gamma, delta
  const json = JSON.parse(await readFile(join(ctx.outDir, 'vocab.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(json.format, 'tfpipe-vocab/1');
  assert.equal(json.pad_token, '[PAD]');
  assert.equal(json.unk_index, 0);
  assert.equal(json.size, 4);
});

test('<br /> tags become "br" words and apostrophes vanish, as in the homework', async () => {
  const texts = ["Great film's ending.<br /><br />Don't miss it", "great film's br don't"];
  const { vocab } = await buildVocab(await datasetRef(rows(texts)), { min_freq: 2 });
  // "endingbr" glues across the tag; "dont" is no stopword once its apostrophe is gone.
  assert.deepEqual(vocab.tokens, ['<pad>', '<unk>', 'great', 'films', 'br', 'dont']);
});

test('normalisation options are kept in the vocab', async () => {
  const { vocab } = await buildVocab(await datasetRef(rows(['The The the'])), {
    min_freq: 1,
    lowercase: false,
    stopwords: 'none',
    strip_punctuation: false,
  });
  assert.deepEqual(vocab.tokens, ['<pad>', '<unk>', 'The', 'the']);
  assert.deepEqual(vocab.normalization, { lowercase: false, stripPunctuation: false, stopwords: 'none' });
});

test('a splits input is counted from train only', async () => {
  const input = await splitsRef({
    train: rows(['kept kept']),
    valid: rows(['validonly validonly']),
    test: rows(['testonly testonly']),
  });
  const { vocab, result } = await buildVocab(input, { min_freq: 2 });
  assert.deepEqual(vocab.tokens, ['<pad>', '<unk>', 'kept']);
  assert.equal(result.metrics?.train_rows, 1);
});

test('errors name the stage and what is allowed', async () => {
  const input = await datasetRef(rows(GREEK));
  await assert.rejects(
    buildVocab(input, { pad_index: 1, unk_index: 1 }),
    /stage vocab: pad_index and unk_index are both 1/,
  );
  await assert.rejects(buildVocab(input, { pad_token: 'x', unk_token: 'x' }), /must differ/);
  await assert.rejects(buildVocab(await splitsRef({ valid: rows(['a']) })), /has no train\/ part/);
  await assert.rejects(buildVocab(refTo('vocab', input.dir)), /is a vocab; expected a dataset or splits/);
});
