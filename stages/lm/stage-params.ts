// The params of the GPT-2 stages as their run() receives them, ajv's defaults filled in (so a key with a schema
// default is required here), and what generate writes. A module of its own so that each stage's descriptor
// (stages/finetune.ts, lora.ts, generate.ts) and its work (finetune-gpt2.ts, train-lora.ts, generate-texts.ts, loaded
// lazily) share the types without importing each other.
import type { StopReason } from '../../models/gpt2/generate.ts';
import type { LmSourceParams } from './model-files.ts';
import type { LmTrainParams } from './train-params.ts';

export type FinetuneParams = LmSourceParams & LmTrainParams;

/** Every key has its default from the schema (ajv fills them in), so none is optional. */
export type LoraParams = LmSourceParams &
  LmTrainParams & {
    r: number;
    lora_alpha: number;
    lora_dropout: number;
    target_modules: string[];
    bias: 'none';
    use_rslora: boolean;
    merge: boolean;
  };

/** The schema fills in every default (ajv); optional are the keys without one: max_new_tokens and seed (the pipeline's). */
export type GenerateParams = LmSourceParams & {
  prompts: string[];
  max_new_tokens?: number;
  max_length: number;
  do_sample: boolean;
  temperature: number;
  top_k: number;
  top_p: number;
  repetition_penalty: number;
  no_repeat_ngram_size: number;
  seed?: number;
  stop_at_eos: boolean;
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
