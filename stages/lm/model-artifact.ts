// The GPT-2 `model` artifacts that finetune and lora write and that evaluate, generate, finetune and lora read.
//   model_type gpt2       a Hugging Face save_pretrained folder: config.json (GPT2Config, plus
//                         `format: tfpipe-model/1` so evaluate can dispatch on it; transformers ignores the extra
//                         key) and model.safetensors. GPT2LMHeadModel.from_pretrained(dir) loads it.
//   model_type gpt2-lora  an adapter on a base it does not copy: config.json {format, model_type: 'gpt2-lora',
//                         base: BaseRef} and adapter/ — peft's folder (adapter_config.json + adapter_model.safetensors,
//                         peft key names): PeftModel.from_pretrained(base, dir + '/adapter') loads it.
// Both may hold metrics.json (training figures), steps.csv and history.csv next to the weights.
// A BaseRef says how to get the base back: a Hub id at a commit (from the HF cache), a local folder, a random
// init (shape + seed), or another model artifact's folder in the tfpipe cache.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Gpt2Shape } from '../../models/gpt2/config.ts';
import { saveGpt2 } from '../../models/gpt2/load.ts';
import type { Gpt2Model } from '../../models/gpt2/model.ts';
import { saveLoraAdapter } from '../../models/lora/io.ts';
import type { LoraState } from '../../models/lora/lora.ts';
import { MODEL_CONFIG_FILE } from '../classifier/model-artifact.ts';

export const GPT2_MODEL = 'gpt2';
export const GPT2_LORA_MODEL = 'gpt2-lora';
export const ADAPTER_FOLDER = 'adapter';
const FORMAT = 'tfpipe-model/1';

export type BaseRef =
  | { hub: string; revision: string }
  | { path: string }
  | { init: Gpt2Shape; seed: number }
  | { artifact: string; stage: string }
  /** A peft adapter folder (adapter_config.json, adapter_model.safetensors) on the base it names. */
  | { adapter: string; base: BaseRef };

export type LmArtifact = { type: typeof GPT2_MODEL } | { type: typeof GPT2_LORA_MODEL; base: BaseRef };

/** One line naming a base, for logs and summaries. */
export function describeBase(ref: BaseRef): string {
  if ('hub' in ref) return `${ref.hub}@${ref.revision.slice(0, 12)}`;
  if ('path' in ref) return ref.path;
  if ('init' in ref)
    return `random GPT-2 (n_layer ${ref.init.n_layer}, n_head ${ref.init.n_head}, n_embd ${ref.init.n_embd}, seed ${ref.seed})`;
  if ('adapter' in ref) return `LoRA adapter ${ref.adapter} on ${describeBase(ref.base)}`;
  return `${ref.stage} (${ref.artifact})`;
}

/** The base_model_name_or_path peft records: the Hub id or the folder; null for a random init or a merged adapter. */
export function baseNameOrPath(ref: BaseRef): string | null {
  if ('hub' in ref) return ref.hub;
  if ('path' in ref) return ref.path;
  if ('artifact' in ref) return ref.artifact;
  return null;
}

export async function writeGpt2Artifact(dir: string, model: Gpt2Model): Promise<void> {
  await saveGpt2(model, dir, { format: FORMAT });
}

/** Writes the adapter (peft layout, under adapter/) and the tfpipe config naming its base. */
export async function writeLoraArtifact(dir: string, state: LoraState, base: BaseRef): Promise<void> {
  await saveLoraAdapter(state, join(dir, ADAPTER_FOLDER), baseNameOrPath(base) ?? undefined);
  await writeLoraConfig(dir, base);
}

export async function writeLoraConfig(dir: string, base: BaseRef): Promise<void> {
  await mkdir(dir, { recursive: true });
  const config = { format: FORMAT, model_type: GPT2_LORA_MODEL, base, adapter: ADAPTER_FOLDER };
  await writeFile(join(dir, MODEL_CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
}

/** What the artifact in `dir` holds; an error names the folder when it is no GPT-2 artifact. */
export async function readLmArtifact(dir: string): Promise<LmArtifact> {
  const path = join(dir, MODEL_CONFIG_FILE);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${path}: cannot read the model config (${(error as Error).message})`);
  }
  if (json.model_type === GPT2_MODEL) return { type: GPT2_MODEL };
  if (json.model_type === GPT2_LORA_MODEL && typeof json.base === 'object' && json.base !== null)
    return { type: GPT2_LORA_MODEL, base: json.base as BaseRef };
  throw new Error(
    `${path}: model_type ${JSON.stringify(json.model_type)} is not a GPT-2 model (expected ${GPT2_MODEL} or ${GPT2_LORA_MODEL})`,
  );
}
