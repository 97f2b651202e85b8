// The generate stage's work (stages/generate.ts is its descriptor): each prompt encoded with GPT-2's BPE, continued
// by generateGpt2, decoded; texts.json written. Imported only when the stage runs.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactRef, StageContext, StageResult } from '../stage.ts';
import { TEXTS_FILE } from '../artifacts/result-files.ts';
import type { GeneratedText, GenerateParams } from './stage-params.ts';
import { disposeLm, loadLmModel } from './model-source.ts';
import { generateGpt2 } from '../../models/gpt2/generate.ts';
import { decodeGpt2, encodeGpt2 } from '../../models/tokenizer/gpt2-bpe.ts';

export async function generateTexts(
  ctx: StageContext,
  params: GenerateParams,
  inputs: Record<string, ArtifactRef>,
): Promise<StageResult> {
  const where = `stage ${ctx.stageId}`;
  if (params.prompts.length === 0) throw new Error(`${where}: \`prompts\` is empty`);
  const loaded = await loadLmModel(ctx, params, inputs.model, { attachAdapter: true });
  try {
    const texts: GeneratedText[] = [];
    ctx.progress.start(params.prompts.length, 'prompts', 'generating');
    for (const [i, prompt] of params.prompts.entries()) {
      ctx.signal.throwIfAborted();
      const ids = encodeGpt2(prompt);
      if (ids.length === 0) throw new Error(`${where}: prompt ${i + 1} is empty after tokenization`);
      const out = await generateGpt2(loaded.model, ids, {
        maxNewTokens: params.max_new_tokens,
        maxLength: params.max_length,
        doSample: params.do_sample,
        temperature: params.temperature,
        topK: params.top_k,
        topP: params.top_p,
        repetitionPenalty: params.repetition_penalty,
        noRepeatNgramSize: params.no_repeat_ngram_size,
        seed: params.seed ?? ctx.rng.seed,
        eosTokenId: params.stop_at_eos ? undefined : null,
      });
      texts.push({
        prompt,
        text: decodeGpt2(out.ids),
        new_tokens: out.newIds.length,
        new_ids: out.newIds,
        stop_reason: out.stopReason,
      });
      ctx.progress.update(i + 1);
    }
    await writeFile(join(ctx.outDir, TEXTS_FILE), JSON.stringify({ model: loaded.label, texts }, null, 2) + '\n');
    const newTokens = texts.reduce((n, t) => n + t.new_tokens, 0);
    return {
      metrics: { prompts: texts.length, new_tokens: newTokens },
      summary: [
        `${loaded.label}:`,
        ...texts.map((t) => `${JSON.stringify(t.text)} (${t.new_tokens} new tokens, ${t.stop_reason})`),
      ],
    };
  } finally {
    disposeLm(loaded);
  }
}
