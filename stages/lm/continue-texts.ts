// New texts through a GPT-2 model artifact (finetune, or lora: the adapter applied on its base): each text is a
// prompt, continued greedily for up to maxNewTokens (stopping at eos), as HF's generate does without sampling.
import type { Continuation } from '../artifacts/predictions.ts';
import type { ArtifactRef, StageContext } from '../stage.ts';
import { generateGpt2 } from '../../models/gpt2/generate.ts';
import { decodeGpt2, encodeGpt2 } from '../../models/tokenizer/gpt2-bpe.ts';
import { disposeLm, loadLmModel } from './model-source.ts';

export interface TextContinuations {
  /** Which model, in one line ("finetune (fine-tuned GPT-2)"). */
  model: string;
  rows: Continuation[];
}

export async function continueTexts(
  ctx: StageContext,
  model: ArtifactRef,
  texts: readonly string[],
  options: { maxNewTokens: number },
): Promise<TextContinuations> {
  const loaded = await loadLmModel(ctx, {}, model, { attachAdapter: true });
  try {
    const rows: Continuation[] = [];
    for (const [i, text] of texts.entries()) {
      ctx.signal.throwIfAborted();
      const ids = encodeGpt2(text);
      if (ids.length === 0)
        throw new Error(`text ${i + 1} is empty: a language model continues a prompt of at least one token`);
      const out = await generateGpt2(loaded.model, ids, { maxNewTokens: options.maxNewTokens });
      rows.push({
        text,
        continuation: decodeGpt2(out.newIds),
        new_tokens: out.newIds.length,
        stop_reason: out.stopReason,
      });
      ctx.progress.update(i + 1);
    }
    return { model: loaded.label, rows };
  } finally {
    disposeLm(loaded);
  }
}
