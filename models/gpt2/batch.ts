// A causal-LM training batch for GPT-2: ids, the labels HF shifts inside the loss, the attention mask, and the
// targets count, the loss's denominator, which weights the batch in an epoch's mean loss.

/** Label value of positions the loss ignores (PyTorch's CrossEntropyLoss ignore_index, HF's -100). */
export const IGNORE_INDEX = -100;

export interface Gpt2Batch {
  /** [B][T] token ids. */
  ids: number[][];
  /** [B][T] labels (HF: shifted inside, -100 ignored); default: ids. */
  labels?: number[][];
  /** [B][T] 1 = token, 0 = padding. */
  attentionMask?: number[][];
  /** Positions whose next-token prediction counts (shifted labels ≠ -100). */
  targets: number;
}

/** A batch of `ids` (and labels, mask), its targets counted from the labels. */
export function gpt2Batch(ids: number[][], labels?: number[][], attentionMask?: number[][]): Gpt2Batch {
  let targets = 0;
  for (const row of labels ?? ids) for (let t = 1; t < row.length; t++) if (row[t] !== IGNORE_INDEX) targets++;
  return { ids, ...(labels ? { labels } : {}), ...(attentionMask ? { attentionMask } : {}), targets };
}
