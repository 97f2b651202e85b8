import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestMatch, editDistance, listAlternatives } from '../../runner/spec/suggest.ts';

describe('did-you-mean', () => {
  it('counts edits, a swap of neighbours as one', () => {
    assert.deepEqual(
      [
        editDistance('min_frq', 'min_freq'),
        editDistance('trian', 'train'),
        editDistance('', 'abc'),
        editDistance('kitten', 'sitting'),
      ],
      [1, 1, 3, 3],
    );
  });

  it('suggests the nearest candidate within a third of the word, or one containing it', () => {
    assert.equal(closestMatch('min_frq', ['max_size', 'min_freq']), 'min_freq');
    assert.equal(closestMatch('randm', ['random', 'sklearn', 'ordered']), 'random');
    assert.equal(closestMatch('gpu', ['auto', 'cpu', 'wasm', 'webgpu']), 'webgpu');
    assert.equal(closestMatch('Method', ['method']), 'method');
    assert.equal(closestMatch('epochs', ['method', 'train', 'valid']), undefined);
  });

  it('lists alternatives in words', () => {
    assert.deepEqual([listAlternatives(['a']), listAlternatives(['a', 'b', 'c'])], ['`a`', '`a`, `b` or `c`']);
  });
});
