// Causal-LM batches from a BPE tokens artifact (stages/artifacts/tokens.ts): rows × width ids with position
// labels (-100 where ignored). Layout pack: every row is a full block, no mask. Layout pad: the batch is cut to its
// longest row, and an attention mask hides the padding (whose labels are already -100), as HF's collator does.
import type { Tokens } from '../artifacts/tokens.ts';
import { IGNORE_INDEX } from '../artifacts/tokens.ts';
import type { Gpt2Batch } from '../../models/gpt2/trainable.ts';
import type { Gpt2Config } from '../../models/gpt2/config.ts';

export interface LmBatch extends Gpt2Batch {
  labels: number[][];
  /** Positions whose next-token prediction counts (shifted labels ≠ -100): the loss's denominator. */
  targets: number;
  /** Real (unpadded) input tokens: what tokens/s counts. */
  inputTokens: number;
}

/** Throws unless `tokens` are GPT-2 BPE tokens with position labels that fit the model. */
export function checkLmTokens(where: string, name: string, tokens: Tokens, config: Gpt2Config): void {
  if (tokens.mode !== 'bpe' || tokens.labelKind !== 'position' || !tokens.labels) {
    throw new Error(`${where}: the ${name} tokens are ${tokens.mode} tokens with ${tokens.labelKind} labels; a language model needs tokenize mode bpe (layout pack or pad)`);
  }
  if (tokens.vocabSize > config.vocab_size) throw new Error(`${where}: the ${name} tokens use a vocabulary of ${tokens.vocabSize}, the model has ${config.vocab_size}`);
  if (tokens.width > config.n_positions) {
    throw new Error(`${where}: the ${name} rows are ${tokens.width} tokens long, more than the model's n_positions ${config.n_positions}; tokenize with block_size (or max_length) ≤ ${config.n_positions}`);
  }
}

/** The batch of the given rows (row indices into `tokens`). */
export function makeLmBatch(tokens: Tokens, rows: ArrayLike<number>): LmBatch {
  const labels = tokens.labels!;
  let T = 1;
  for (let i = 0; i < rows.length; i++) T = Math.max(T, tokens.lengths[rows[i]]);
  if (tokens.layout === 'pack') T = tokens.width;
  const ids: number[][] = [];
  const rowLabels: number[][] = [];
  const mask: number[][] = [];
  let padded = false;
  let targets = 0;
  let inputTokens = 0;
  for (let i = 0; i < rows.length; i++) {
    const start = rows[i] * tokens.width;
    const length = tokens.lengths[rows[i]];
    ids.push(Array.from(tokens.ids.subarray(start, start + T)));
    const l = Array.from(labels.subarray(start, start + T));
    rowLabels.push(l);
    for (let t = 1; t < T; t++) if (l[t] !== IGNORE_INDEX) targets++;
    mask.push(Array.from({ length: T }, (_, t) => (t < length ? 1 : 0)));
    if (length < T) padded = true;
    inputTokens += Math.min(length, T);
  }
  return { ids, labels: rowLabels, ...(padded ? { attentionMask: mask } : {}), targets, inputTokens };
}
