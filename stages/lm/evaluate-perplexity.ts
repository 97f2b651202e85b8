// The evaluate stage's language-model mode: perplexity of a GPT-2 — `base` (Hub id, folder, {init}) or a `model`
// input (finetune's model, or lora's adapter applied on its base) — on one part of BPE tokens (stages/lm/perplexity.ts).
// metrics.json / metrics: <part>_loss and <part>_perplexity per predicted token with <part>_tokens (the predicted
// tokens), <part>_loss_per_input_token and <part>_perplexity_per_input_token with <part>_input_tokens (the
// homework's denominator), plus the model's parameter count.
import { readEvaluationPart } from '../artifacts/tokens.ts';
import type { SplitPart } from '../artifacts/dataset.ts';
import type { ArtifactRef, StageContext, StageResult } from '../stage.ts';
import { countParams } from '../../models/gpt2/params.ts';
import { writeMetricsJson } from '../artifacts/result-files.ts';
import { checkLmTokens } from './lm-batches.ts';
import { disposeLm, loadLmModel } from './model-source.ts';
import type { LmSourceParams } from './model-files.ts';
import { measurePerplexity, perplexityMetrics } from './perplexity.ts';
import { formatNumber } from '../../lib/text/number.ts';

/** part and batch_size have their defaults from evaluate's schema (ajv fills them in). */
export type PerplexityEvaluateParams = LmSourceParams & {
  part: SplitPart;
  batch_size: number;
};

export async function evaluatePerplexity(
  ctx: StageContext,
  params: PerplexityEvaluateParams,
  inputs: Record<string, ArtifactRef>,
): Promise<StageResult> {
  const where = `stage ${ctx.stageId}`;
  const loaded = await loadLmModel(ctx, params, inputs.model, { attachAdapter: true });
  try {
    const { tokens, part } = await readEvaluationPart(ctx.stageId, params.part, inputs.data);
    checkLmTokens(where, part, tokens, loaded.model.config);
    ctx.progress.start(tokens.rows, 'rows', `perplexity on ${part}`);
    const result = await measurePerplexity(loaded.model, tokens, {
      batchSize: params.batch_size,
      signal: ctx.signal,
      onBatch: (done) => ctx.progress.update(done),
    });
    const all = countParams(loaded.model.params) + (loaded.lora ? countParams(loaded.lora.params) : 0);
    const metrics = { ...perplexityMetrics(part, result), all_params: all };
    await writeMetricsJson(ctx.outDir, { ...metrics, model: loaded.label });
    const line = `${loaded.label} on ${part}: loss ${result.loss.toFixed(4)} · perplexity ${result.perplexity.toFixed(2)} per predicted token (${formatNumber(result.tokens)}), ${result.perplexityPerInputToken.toFixed(2)} per input token (${formatNumber(result.inputTokens)})`;
    return { metrics, summary: [line] };
  } finally {
    disposeLm(loaded);
  }
}
