// Perplexity of a causal LM over a tokens part: the token-weighted mean negative log-likelihood over the label
// positions that count (shifted by one, -100 excluded), exponentiated. Each batch's mean loss (HF's) is weighted by
// its number of counted targets and summed in float64, so the result does not depend on the batch size beyond
// float32 rounding inside a batch. (HF Trainer's eval_loss is a mean of batch means; with equal full blocks — layout
// pack — the two agree.)
import type { Tokens } from '../artifacts/tokens.ts';
import { gpt2Loss, type Gpt2Model } from '../../models/gpt2/model.ts';
import { makeLmBatch } from './lm-batches.ts';

export interface PerplexityResult {
  /** Mean NLL per counted token (nats). */
  loss: number;
  perplexity: number;
  /** Counted target tokens. */
  tokens: number;
}

/**
 * Tokens per forward pass at most, bounding the activations a pass holds (the [tokens, vocab] logits are bounded
 * separately: lmHeadLoss works through them in chunks of LOGIT_CHUNK_BYTES).
 */
export const MAX_TOKENS_PER_PASS = 2048;

export interface PerplexityOptions {
  /** Rows per batch; cut further so a pass holds at most MAX_TOKENS_PER_PASS tokens (changes only rounding). */
  batchSize: number;
  signal?: AbortSignal;
  onBatch?(rowsDone: number): void;
}

export async function measurePerplexity(model: Gpt2Model, tokens: Tokens, options: PerplexityOptions): Promise<PerplexityResult> {
  let nll = 0;
  let count = 0;
  const rowsPerPass = Math.max(1, Math.min(options.batchSize, Math.floor(MAX_TOKENS_PER_PASS / tokens.width)));
  for (let start = 0; start < tokens.rows; start += rowsPerPass) {
    await new Promise((resolve) => setImmediate(resolve)); // lets an abort (and progress output) through
    options.signal?.throwIfAborted();
    const rows = Int32Array.from({ length: Math.min(rowsPerPass, tokens.rows - start) }, (_, i) => start + i);
    const batch = makeLmBatch(tokens, rows);
    if (batch.targets > 0) {
      const loss = gpt2Loss(model, batch.ids, { labels: batch.labels, attentionMask: batch.attentionMask });
      const mean = (await loss.data())[0];
      loss.dispose();
      nll += mean * batch.targets;
      count += batch.targets;
    }
    options.onBatch?.(start + rows.length);
  }
  const loss = count === 0 ? NaN : nll / count;
  return { loss, perplexity: Math.exp(loss), tokens: count };
}
