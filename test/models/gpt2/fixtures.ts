// Readers for the Hugging Face reference outputs in HF_REFERENCE (test/fixtures/hf-reference, see its PROVENANCE.md).
// Tests take every shape, count and length they check from these files, so another set made the same way passes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HF_REFERENCE } from '../../helpers/context.ts';
import type { Gpt2Config } from '../../../models/gpt2/config.ts';

export const TINY_GPT2 = join(HF_REFERENCE, 'tiny-gpt2');
export const TINY_GPT2_HUB = join(HF_REFERENCE, 'tiny-gpt2-hub-layout');
export const LORA_INIT = join(HF_REFERENCE, 'tiny-gpt2-lora-init');
export const LORA_STEP3 = join(HF_REFERENCE, 'tiny-gpt2-lora-step3');

/** The fields of tiny-gpt2/config.json the tests use. */
export type TinyConfig = Pick<
  Gpt2Config,
  'vocab_size' | 'n_positions' | 'n_embd' | 'n_layer' | 'n_head' | 'n_inner' | 'eos_token_id'
>;

export interface ForwardCase {
  prompt: string;
  ids: number[];
  loss: number;
  last_logits_first64: number[];
  last_logits_top5: number[];
  logit_sum_per_pos: number[];
  next_token_logprob: number[];
  greedy_20: number[];
}

export interface TrainFixture {
  batch: number[][];
  optimizer: { name: string; lr: number; betas: [number, number]; eps: number; weight_decay: number };
  losses: number[];
}

export interface LoraFixture {
  lora: { r: number; alpha: number; dropout: number; target_modules: string[] };
  /** `betas` absent: torch's default (0.9, 0.999). */
  optimizer: { name: string; lr: number; betas?: [number, number]; eps: number; weight_decay: number };
  losses: number[];
  after_step3: {
    ids: number[];
    last_logits_first64: number[];
    logit_sum_per_pos: number[];
    merged_max_abs_diff: number;
  };
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(HF_REFERENCE, name), 'utf8')) as T;
}

export const tinyConfig = (): TinyConfig => readJson<TinyConfig>('tiny-gpt2/config.json');
export const forwardCases = (): ForwardCase[] => readJson<{ cases: ForwardCase[] }>('tiny-gpt2-forward.json').cases;
export const trainFixture = (): TrainFixture => readJson<TrainFixture>('tiny-gpt2-train.json');
export const loraFixture = (): LoraFixture => readJson<LoraFixture>('tiny-gpt2-lora.json');
export const tokenizerCases = (): { text: string; ids: number[] }[] => readJson('tokenizer.json');

/** How many tokens the reference's greedy `generate` added after the prompt (its `greedy_20` holds both). */
export const greedyNewTokens = (ref: ForwardCase): number => ref.greedy_20.length - ref.ids.length;

/** Tensors of a GPT-2 checkpoint: wte, wpe, 12 per block (ln_1, c_attn, c_proj, ln_2, c_fc, mlp c_proj), ln_f's two. */
export const gpt2TensorCount = (nLayer: number): number => 2 + 12 * nLayer + 2;

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => values[b] - values[a])
    .slice(0, k);
}
