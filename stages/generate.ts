// The `generate` stage (schemas/stages/generate.schema.json): text from a GPT-2 for each prompt, as Hugging Face's
// generate does it (models/gpt2/generate.ts): greedy, or sampling with temperature, top_k, top_p and a seed;
// repetition_penalty and no_repeat_ngram_size; max_new_tokens or max_length; stop at eos.
// The model: `base` or a `model` input (a LoRA adapter is applied on top of its base, not merged).
// Output: a text artifact, texts.json {model, texts: [{prompt, text, new_tokens, new_ids, stop_reason}]}; the texts go to the summary.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stage } from './stage.ts';
import { TEXTS_FILE } from './artifacts/result-files.ts';
import { disposeLm, loadLmModel, modelSourceFiles, type LmSourceParams } from './lm/model-source.ts';
import { generateGpt2, type StopReason } from '../models/gpt2/generate.ts';
import { decodeGpt2, encodeGpt2 } from '../models/tokenizer/gpt2-bpe.ts';

export type GenerateParams = LmSourceParams & {
  prompts: string[];
  max_new_tokens?: number;
  max_length?: number;
  do_sample?: boolean;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  repetition_penalty?: number;
  no_repeat_ngram_size?: number;
  seed?: number;
  stop_at_eos?: boolean;
};

export interface GeneratedText {
  prompt: string;
  /** The prompt followed by the generated continuation, decoded (HF pipeline's generated_text). */
  text: string;
  new_tokens: number;
  /** The generated token ids (re-encoding `text` need not give them back: BPE is not one-to-one). */
  new_ids: number[];
  stop_reason: StopReason;
}


export const generateStage: Stage<GenerateParams> = {
  kind: 'generate',
  version: 1,
  compute: true,
  files: (params, env) => modelSourceFiles(params, env),
  async run(ctx, params, inputs) {
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
          doSample: params.do_sample ?? false,
          temperature: params.temperature,
          topK: params.top_k,
          topP: params.top_p,
          repetitionPenalty: params.repetition_penalty,
          noRepeatNgramSize: params.no_repeat_ngram_size,
          seed: params.seed ?? ctx.rng.seed,
          eosTokenId: params.stop_at_eos === false ? null : undefined,
        });
        texts.push({ prompt, text: decodeGpt2(out.ids), new_tokens: out.newIds.length, new_ids: out.newIds, stop_reason: out.stopReason });
        ctx.progress.update(i + 1);
      }
      await writeFile(join(ctx.outDir, TEXTS_FILE), JSON.stringify({ model: loaded.label, texts }, null, 2) + '\n');
      const newTokens = texts.reduce((n, t) => n + t.new_tokens, 0);
      return {
        metrics: { prompts: texts.length, new_tokens: newTokens },
        summary: [`${loaded.label}:`, ...texts.map((t) => `${JSON.stringify(t.text)} (${t.new_tokens} new tokens, ${t.stop_reason})`)],
      };
    } finally {
      disposeLm(loaded);
    }
  },
};
