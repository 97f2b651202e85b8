// Causal-LM batches from a BPE tokens artifact (stages/artifacts/tokens.ts): rows × width ids with position
// labels (-100 where ignored). Layout pack: every row is a full block, no mask. Layout pad: an attention mask hides
// the padding from every query, and the pads' labels follow one of two rules:
//   ignored  the LM collator's (DataCollatorForLanguageModeling, mlm=False): labels equal to the pad id are -100,
//            so the batch can be cut to its longest row without changing the loss;
//   trained  the Trainer given no collator (the homework's 3(d)): labels are the input ids, pads included, so every
//            row keeps its full width and every position after the first is a target.
import type { Tokens } from '../artifacts/tokens.ts';
import { gpt2Batch, IGNORE_INDEX, type Gpt2Batch } from '../../models/gpt2/batch.ts';
import type { Gpt2Config } from '../../models/gpt2/config.ts';

/** What the pads of padded rows are in the labels: ignored (-100) or trained on (the pad id). */
export type PadLabels = 'ignored' | 'trained';

export interface LmBatch extends Gpt2Batch {
  labels: number[][];
  /** Real (unpadded) input tokens, attention_mask.sum(): what tokens/s counts, and the homework's denominator. */
  inputTokens: number;
}

/** Throws unless `tokens` are GPT-2 BPE tokens with position labels that fit the model. */
export function checkLmTokens(where: string, name: string, tokens: Tokens, config: Gpt2Config): void {
  if (tokens.mode !== 'bpe' || tokens.labelKind !== 'position' || !tokens.labels) {
    throw new Error(
      `${where}: the ${name} tokens are ${tokens.mode} tokens with ${tokens.labelKind} labels; a language model needs tokenize mode bpe (layout pack or pad)`,
    );
  }
  if (tokens.vocabSize > config.vocab_size)
    throw new Error(
      `${where}: the ${name} tokens use a vocabulary of ${tokens.vocabSize}, the model has ${config.vocab_size}`,
    );
  if (tokens.width > config.n_positions) {
    throw new Error(
      `${where}: the ${name} rows are ${tokens.width} tokens long, more than the model's n_positions ${config.n_positions}; tokenize with block_size (or max_length) ≤ ${config.n_positions}`,
    );
  }
}

/** What a pass over every row counts, as makeLmBatch counts each batch: its targets and real input tokens. */
export function countLmTokens(tokens: Tokens, pads: PadLabels): { targets: number; inputTokens: number } {
  let targets = 0;
  let inputTokens = 0;
  const trainPads = pads === 'trained' && tokens.layout === 'pad';
  for (let r = 0; r < tokens.rows; r++) {
    const length = Math.min(tokens.lengths[r], tokens.width);
    inputTokens += length;
    if (trainPads) targets += tokens.width - 1;
    else
      for (let t = r * tokens.width + 1; t < r * tokens.width + length; t++)
        if (tokens.labels![t] !== IGNORE_INDEX) targets++;
  }
  return { targets, inputTokens };
}

/** The batch of the given rows (row indices into `tokens`), pads labelled by `pads`. */
export function makeLmBatch(tokens: Tokens, rows: ArrayLike<number>, pads: PadLabels = 'ignored'): LmBatch {
  const trainPads = pads === 'trained' && tokens.layout === 'pad';
  const labels = trainPads ? tokens.ids : tokens.labels!;
  let T = 1;
  for (let i = 0; i < rows.length; i++) T = Math.max(T, tokens.lengths[rows[i]]);
  if (tokens.layout === 'pack' || trainPads) T = tokens.width;
  const ids: number[][] = [];
  const rowLabels: number[][] = [];
  const mask: number[][] = [];
  let padded = false;
  let inputTokens = 0;
  for (let i = 0; i < rows.length; i++) {
    const start = rows[i] * tokens.width;
    const length = tokens.lengths[rows[i]];
    ids.push(Array.from(tokens.ids.subarray(start, start + T)));
    const l = Array.from(labels.subarray(start, start + T));
    rowLabels.push(l);
    mask.push(Array.from({ length: T }, (_, t) => (t < length ? 1 : 0)));
    if (length < T) padded = true;
    inputTokens += Math.min(length, T);
  }
  return { ...gpt2Batch(ids, rowLabels, padded ? mask : undefined), labels: rowLabels, inputTokens };
}
