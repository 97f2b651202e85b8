// GPT-2 byte-level BPE against the ids Hugging Face's tokenizers library gives (no special-token parsing).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createGpt2Tokenizer, decodeGpt2, encodeGpt2, GPT2_EOS_TOKEN_ID } from '../../../models/tokenizer/gpt2-bpe.ts';
import { tokenizerCases } from '../gpt2/fixtures.ts';

describe('GPT-2 BPE tokenizer', () => {
  for (const [index, ref] of tokenizerCases().entries()) {
    it(`string ${index} (${JSON.stringify(ref.text.slice(0, 24))}…) encodes to the reference ids and decodes back`, () => {
      assert.deepEqual(encodeGpt2(ref.text), ref.ids);
      assert.equal(decodeGpt2(ref.ids), ref.text);
    });
  }

  it('encodes "<|endoftext|>" in text as ordinary text, never as the eos token', () => {
    // Without special-token parsing the marker is split by GPT-2's pre-tokenizer like any text: "<|", "endoftext", "|>".
    const ids = encodeGpt2('a<|endoftext|>b');
    assert.ok(!ids.includes(GPT2_EOS_TOKEN_ID));
    assert.equal(decodeGpt2(ids), 'a<|endoftext|>b');
    assert.deepEqual(encodeGpt2('<|endoftext|>'), [
      ...encodeGpt2('<|'),
      ...encodeGpt2('endoftext'),
      ...encodeGpt2('|>'),
    ]);
    assert.equal(decodeGpt2([GPT2_EOS_TOKEN_ID]), '<|endoftext|>', 'the eos id itself decodes to its marker');
  });

  it('exposes vocab size and eos, and rejects ids outside the vocabulary', () => {
    const tokenizer = createGpt2Tokenizer();
    assert.equal(tokenizer.vocabSize, 50257);
    assert.equal(tokenizer.eosTokenId, 50256);
    assert.throws(() => tokenizer.decode([50257]), /outside GPT-2's vocabulary/);
  });
});
