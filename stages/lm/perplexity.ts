// Perplexity of a causal LM over a tokens part, two ways, from one sum: the negative log-likelihood of every label
// position that counts (shifted by one, -100 excluded: padding never counts here), summed in float64 (each batch's
// mean loss, HF's, times its number of counted targets), divided by
//   predicted tokens  the positions whose next token is predicted: the standard perplexity (HF's eval_loss with
//                     equal full blocks, lm-evaluation-harness's token perplexity);
//   input tokens      attention_mask.sum(), every real input token including each row's first, which nothing
//                     predicts: the homework's 3(c) evaluate_perplexity, lower by the ratio of the two counts;
// then exponentiated. Neither depends on the batch size beyond float32 rounding inside a batch.
import type { Tokens } from '../artifacts/tokens.ts';
import { gpt2Loss, type Gpt2Model } from '../../models/gpt2/model.ts';
import { makeLmBatch } from './lm-batches.ts';

export interface PerplexityResult {
  /** Mean NLL per predicted token (nats). */
  loss: number;
  /** exp(loss). */
  perplexity: number;
  /** Predicted (counted target) tokens. */
  tokens: number;
  /** Mean NLL per real input token (the same sum over attention_mask.sum()). */
  lossPerInputToken: number;
  perplexityPerInputToken: number;
  /** Real input tokens. */
  inputTokens: number;
}

/**
 * Tokens per forward pass at most, bounding the activations a pass holds (the [tokens, vocab] logits are bounded
 * separately: lmHeadLoss works through them in chunks of logitChunkBudget() bytes).
 */
export const MAX_TOKENS_PER_PASS = 2048;

export interface PerplexityOptions {
  /** Rows per batch; cut further so a pass holds at most MAX_TOKENS_PER_PASS tokens (changes only rounding). */
  batchSize: number;
  signal?: AbortSignal;
  onBatch?(rowsDone: number): void;
}

export async function measurePerplexity(
  model: Gpt2Model,
  tokens: Tokens,
  options: PerplexityOptions,
): Promise<PerplexityResult> {
  let nll = 0;
  let count = 0;
  let inputTokens = 0;
  const rowsPerPass = Math.max(1, Math.min(options.batchSize, Math.floor(MAX_TOKENS_PER_PASS / tokens.width)));
  for (let start = 0; start < tokens.rows; start += rowsPerPass) {
    await new Promise((resolve) => setImmediate(resolve)); // lets an abort (and progress output) through
    options.signal?.throwIfAborted();
    const rows = Int32Array.from({ length: Math.min(rowsPerPass, tokens.rows - start) }, (_, i) => start + i);
    const batch = makeLmBatch(tokens, rows);
    inputTokens += batch.inputTokens;
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
  const lossPerInputToken = inputTokens === 0 ? NaN : nll / inputTokens;
  return {
    loss,
    perplexity: Math.exp(loss),
    tokens: count,
    lossPerInputToken,
    perplexityPerInputToken: Math.exp(lossPerInputToken),
    inputTokens,
  };
}

/** The figures of a perplexity measurement under the part's name (`valid_perplexity`, …), as metrics.json keeps them. */
export function perplexityMetrics(part: string, result: PerplexityResult): Record<string, number> {
  return {
    [`${part}_loss`]: result.loss,
    [`${part}_perplexity`]: result.perplexity,
    [`${part}_tokens`]: result.tokens,
    [`${part}_loss_per_input_token`]: result.lossPerInputToken,
    [`${part}_perplexity_per_input_token`]: result.perplexityPerInputToken,
    [`${part}_input_tokens`]: result.inputTokens,
  };
}
