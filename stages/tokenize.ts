// The `tokenize` stage (schemas/stages/tokenize.schema.json): text rows → token ids.
//   mode word: the vocab's normalisation and ids, OOV → unk, first max_length words kept, padded with pad.
//   mode bpe:  GPT-2 byte-level BPE, layout pack (blocks of block_size) or pad (rows of max_length).
// A dataset input gives one tokens artifact; a splits input gives train/ valid/ test/ tokens artifacts, one per
// part present, under one folder.
// This file is the descriptor only: the work (stages/text/tokenize-parts.ts, with GPT-2's BPE tables) is imported
// when the stage runs, so fingerprinting a cached run stays light.
import type { Stage } from './stage.ts';
import type { TokenizeParams } from './text/tokenize-params.ts';

export type { TokenizeParams } from './text/tokenize-params.ts';

export const tokenizeStage: Stage<TokenizeParams> = {
  kind: 'tokenize',
  version: 1,
  compute: false,
  run: async (ctx, params, inputs) => (await import('./text/tokenize-parts.ts')).tokenizeParts(ctx, params, inputs),
};
