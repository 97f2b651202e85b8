// Generation: HF greedy parity (with and without the KV cache), cache logits equal to a full forward, and the
// logits processors' HF semantics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { loadGpt2 } from '../../../models/gpt2/load.ts';
import {
  disposeGpt2Model,
  disposeKvCache,
  forwardGpt2,
  type Gpt2Model,
  type KvCache,
} from '../../../models/gpt2/model.ts';
import { generateGpt2 } from '../../../models/gpt2/generate.ts';
import {
  applyNoRepeatNgram,
  applyRepetitionPenalty,
  applyTopK,
  applyTopP,
  chooseNextToken,
  seededRandom,
  softmax,
} from '../../../models/gpt2/sampling.ts';
import { forwardCases, greedyNewTokens, maxAbsDiff, TINY_GPT2, tinyConfig, type ForwardCase } from './fixtures.ts';
import { heldTensors } from '../../helpers/held.ts';

const { vocab_size: V, n_positions } = tinyConfig();
const shortest = (): ForwardCase => forwardCases().reduce((x, y) => (y.ids.length < x.ids.length ? y : x));
const longest = (): ForwardCase => forwardCases().reduce((x, y) => (y.ids.length > x.ids.length ? y : x));
/** Whether a token sequence has some bigram twice. */
const repeatsBigram = (ids: number[]) => new Set(ids.slice(1).map((id, i) => `${ids[i]},${id}`)).size < ids.length - 1;

describe('generateGpt2 against transformers', () => {
  let model: Gpt2Model;
  before(async () => {
    await selectBackend('cpu');
    model = await loadGpt2(TINY_GPT2);
  });
  after(() => disposeGpt2Model(model));

  for (const [index, ref] of forwardCases().entries()) {
    it(`prompt ${index}: the ${greedyNewTokens(ref)} greedy tokens equal HF's, with and without the KV cache`, async () => {
      const before = tf.memory().numTensors;
      const maxNewTokens = greedyNewTokens(ref);
      const cached = await generateGpt2(model, ref.ids, { maxNewTokens, eosTokenId: null });
      assert.deepEqual(cached.ids, ref.greedy_20);
      assert.equal(cached.stopReason, 'max-tokens');
      const full = await generateGpt2(model, ref.ids, { maxNewTokens, useCache: false, eosTokenId: null });
      assert.deepEqual(full.ids, ref.greedy_20);
      assert.equal(tf.memory().numTensors, before, 'generation leaves no tensor behind');
    });
  }

  it('gives the same logits through the KV cache as a full forward, position by position', async () => {
    const ids = longest().ids;
    const keep = heldTensors();
    let cache: KvCache | undefined;
    try {
      const fullData = (await keep(forwardGpt2(model, [ids]).logits).data()) as Float32Array;
      // Prefill the first third of the positions, then feed one token at a time.
      const prefill = Math.ceil(ids.length / 3);
      const first = forwardGpt2(model, [ids.slice(0, prefill)], { returnCache: true });
      cache = first.cache;
      let worst = maxAbsDiff(await keep(first.logits).data(), fullData.subarray(0, prefill * V));
      for (let t = prefill; t < ids.length; t++) {
        const step = forwardGpt2(model, [[ids[t]]], { past: cache, returnCache: true });
        disposeKvCache(cache);
        cache = step.cache;
        worst = Math.max(worst, maxAbsDiff(await keep(step.logits).data(), fullData.subarray(t * V, (t + 1) * V)));
      }
      assert.ok(worst < 1e-5, `max |cached - full| = ${worst}`);
    } finally {
      disposeKvCache(cache);
      keep.dispose();
    }
  });

  it('stops at eos_token_id, keeping it, and at max_length counting the prompt', async () => {
    const ref = shortest();
    const eos = ref.greedy_20[ref.ids.length + 2]; // the third greedy token
    const stopped = await generateGpt2(model, ref.ids, { maxNewTokens: greedyNewTokens(ref), eosTokenId: eos });
    assert.equal(stopped.stopReason, 'eos');
    assert.deepEqual(stopped.ids, ref.greedy_20.slice(0, ref.greedy_20.indexOf(eos, ref.ids.length) + 1));
    const maxLength = ref.ids.length + 4;
    const byLength = await generateGpt2(model, ref.ids, { maxLength, eosTokenId: null });
    assert.deepEqual(byLength.ids, ref.greedy_20.slice(0, maxLength));
    const byDefault = await generateGpt2(model, ref.ids, { eosTokenId: null });
    assert.equal(byDefault.ids.length, 20, "HF's default max_length is 20");
    const capped = await generateGpt2(model, new Array(n_positions - 2).fill(464), {
      maxNewTokens: 10,
      eosTokenId: null,
    });
    assert.equal(capped.stopReason, 'n-positions');
    assert.equal(capped.ids.length, n_positions + 1, `the last token is predicted from all ${n_positions} positions`);
  });

  it('samples reproducibly from a seed, and differently from another seed', async () => {
    const ids = shortest().ids;
    const options = { maxNewTokens: 8, doSample: true, topK: 0, temperature: 1.5, eosTokenId: null };
    const a = await generateGpt2(model, ids, { ...options, seed: 1 });
    const b = await generateGpt2(model, ids, { ...options, seed: 1 });
    const c = await generateGpt2(model, ids, { ...options, seed: 2 });
    assert.deepEqual(a.ids, b.ids);
    assert.notDeepEqual(a.newIds, c.newIds);
  });

  it('with no_repeat_ngram_size 2 never repeats a bigram; greedy output that repeats one changes, other output does not', async () => {
    // (On the copied reference set greedy repeats "was was" after "The movie was".)
    for (const ref of forwardCases()) {
      const out = await generateGpt2(model, ref.ids, {
        maxNewTokens: greedyNewTokens(ref),
        noRepeatNgramSize: 2,
        eosTokenId: null,
      });
      assert.ok(!repeatsBigram(out.ids), ref.prompt);
      if (repeatsBigram(ref.greedy_20)) assert.notDeepEqual(out.ids, ref.greedy_20, ref.prompt);
      else assert.deepEqual(out.ids, ref.greedy_20, ref.prompt);
    }
  });
});

describe('logits processors (HF semantics)', () => {
  it('repetition_penalty divides positive and multiplies negative logits of tokens already present, once each', () => {
    const scores = Float32Array.from([2, -2, 3, -1]);
    applyRepetitionPenalty(scores, [0, 1, 1], 2);
    assert.deepEqual(Array.from(scores), [1, -4, 3, -1]);
  });

  it('no_repeat_ngram_size bans tokens completing an n-gram seen before', () => {
    const scores = new Float32Array(6);
    applyNoRepeatNgram(scores, [1, 2, 3, 1, 2], 3); // prefix (1, 2) was followed by 3
    assert.deepEqual(Array.from(scores), [0, 0, 0, -Infinity, 0, 0]);
    const short = new Float32Array(6);
    applyNoRepeatNgram(short, [1], 3); // cur_len + 1 < n: nothing banned
    assert.ok(short.every((s) => s === 0));
  });

  it('top_k keeps the k highest (ties kept); top_p keeps the smallest set whose mass exceeds p', () => {
    const k = Float32Array.from([1, 5, 3, 5, 2]);
    applyTopK(k, 2);
    assert.deepEqual(Array.from(k), [-Infinity, 5, -Infinity, 5, -Infinity]);
    const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
    applyTopP(logits, 0.75); // 0.5 + 0.3 > 0.75: tokens 2 and 3 removed
    assert.deepEqual(
      Array.from(logits).map((x) => Number.isFinite(x)),
      [true, true, false, false],
    );
    const one = Float32Array.from([0, 10]);
    applyTopP(one, 0.01);
    assert.ok(Number.isFinite(one[1]), 'the most likely token is always kept');
  });

  it('draws tokens with the processed distribution', () => {
    const random = seededRandom(3);
    const counts = [0, 0, 0];
    const logits = Float32Array.from([Math.log(0.2), Math.log(0.8), -Infinity]);
    for (let i = 0; i < 4000; i++)
      counts[chooseNextToken(Float32Array.from(logits), [], { doSample: true, topK: 0 }, random)]++;
    assert.equal(counts[2], 0);
    assert.ok(Math.abs(counts[1] / 4000 - 0.8) < 0.03, `${counts}`);
    assert.ok(Math.abs(softmax(Float32Array.from([0, 0]))[0] - 0.5) < 1e-12);
  });
});
