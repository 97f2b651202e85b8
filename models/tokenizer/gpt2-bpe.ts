// GPT-2's byte-level BPE (vocab.json + merges.txt, 50,257 ids) through gpt-tokenizer's r50k_base encoding,
// which is the same vocabulary and merges. Special tokens are never parsed: "<|endoftext|>" in text is encoded
// as ordinary text, as HF's tokenizer does without special-token parsing; only eosTokenId is the real token.
import { decode, encode } from 'gpt-tokenizer/encoding/r50k_base';

export const GPT2_EOS_TOKEN_ID = 50256;
export const GPT2_VOCAB_SIZE = 50257;

export interface TextTokenizer {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

/** Nothing is a special token in the input text (gpt-tokenizer would otherwise throw on "<|endoftext|>"). */
const PLAIN_TEXT = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

export function encodeGpt2(text: string): number[] {
  return encode(text, PLAIN_TEXT);
}

export function decodeGpt2(ids: readonly number[]): string {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= GPT2_VOCAB_SIZE)
      throw new Error(`token id ${id} is outside GPT-2's vocabulary [0, ${GPT2_VOCAB_SIZE})`);
  }
  return decode(ids);
}

export function createGpt2Tokenizer(): TextTokenizer {
  return { vocabSize: GPT2_VOCAB_SIZE, eosTokenId: GPT2_EOS_TOKEN_ID, encode: encodeGpt2, decode: decodeGpt2 };
}
