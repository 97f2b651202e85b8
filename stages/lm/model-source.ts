// Where a GPT-2 stage gets its model: exactly one of
//   `base:` (param)  a Hub id (`gpt2`, `openai-community/gpt2-medium`; `revision` picks a branch, tag or commit),
//                    a local folder with config.json + model.safetensors, a peft adapter folder (adapter_config.json +
//                    adapter_model.safetensors, on the base its base_model_name_or_path names: a Hub id, or a folder
//                    relative to the adapter's), or `{init: {n_layer, n_head, n_embd, n_positions, ...}, seed?}` for a
//                    randomly initialised GPT-2 (seed default: the pipeline's);
//   `model:` (input) a model artifact of finetune or lora (a full GPT-2, or an adapter loaded onto its base).
// A folder's weights are model.safetensors or a sharded checkpoint (model.safetensors.index.json and its shards),
// read by offset (files over 2 GiB load; unused tensors are not read). The model's size for its use (inference,
// full training, an adapter on a frozen base) is checked against the backend's memory before anything is allocated.
// What the fingerprint hashes of a model source is model-files.ts' (a light module: fingerprinting a cached run
// loads it, not this one, which imports TensorFlow.js through the model code).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createGpt2, loadGpt2 } from '../../models/gpt2/load.ts';
import type { Gpt2Use } from '../../models/gpt2/size.ts';
import { disposeGpt2Model, type Gpt2Model } from '../../models/gpt2/model.ts';
import { resolveModelFolder } from '../../models/hub/resolve.ts';
import { ADAPTER_CONFIG_FILE } from '../../models/lora/config.ts';
import { loadLoraAdapter } from '../../models/lora/io.ts';
import { detachLora, type LoraState } from '../../models/lora/lora.ts';
import { mergeLora } from '../../models/lora/merge.ts';
import type { ArtifactRef, StageContext } from '../stage.ts';
import { ADAPTER_FOLDER, describeBase, GPT2_LORA_MODEL, readLmArtifact, type BaseRef } from './model-artifact.ts';
import { readAdapterBase, type LmSourceParams } from './model-files.ts';

export interface LoadedLm {
  model: Gpt2Model;
  /** The adapter attached on top (a gpt2-lora input), or null. */
  lora: LoraState | null;
  /** How to get this model's weights back (the base of an adapter trained on it). */
  ref: BaseRef;
  /** One line for logs and summaries. */
  label: string;
}

/**
 * The model from `base` or the `model` input (exactly one). `attachAdapter`: a gpt2-lora input comes with its
 * adapter attached (evaluate, generate) — else it is merged into the base weights (a base to train on). `use`
 * (default inference): what the memory check counts — finetune keeps 4 copies of the weights, lora one.
 */
export async function loadLmModel(
  ctx: StageContext,
  params: LmSourceParams,
  input: ArtifactRef | undefined,
  options: { attachAdapter: boolean; use?: Gpt2Use },
): Promise<LoadedLm> {
  const use = options.use ?? 'inference';
  const where = `stage ${ctx.stageId}`;
  if (params.base !== undefined && input)
    throw new Error(`${where}: give either \`base\` (a Hub id, folder or {init}) or a \`model\` input, not both`);
  if (params.base === undefined && !input)
    throw new Error(
      `${where}: no model: set \`base\` (a Hub id such as gpt2, a folder, or {init: {...}}) or name a finetune/lora stage in \`model\``,
    );
  if (params.revision !== undefined && typeof params.base !== 'string')
    throw new Error(`${where}: \`revision\` applies to a Hub id in \`base\``);
  if (input) return loadArtifact(ctx, input.dir, input.stage, options.attachAdapter, use);
  const ref = await resolveBase(ctx, params);
  if ('adapter' in ref)
    return loadWithAdapter(ctx, ref.base, ref.adapter, options.attachAdapter, describeBase(ref), use);
  const model = await loadBaseRef(ctx, ref, use);
  return { model, lora: null, ref, label: describeBase(ref) };
}

/** Disposes the model and its adapter (every variable they hold). */
export function disposeLm(loaded: LoadedLm): void {
  if (loaded.lora) detachLora(loaded.model, loaded.lora);
  disposeGpt2Model(loaded.model);
}

/** The base param as a BaseRef: a Hub id is resolved (cache, else download) to its commit. */
async function resolveBase(ctx: StageContext, params: LmSourceParams, baseDir = ctx.baseDir): Promise<BaseRef> {
  const base = params.base!;
  if (typeof base !== 'string') return { init: base.init, seed: base.seed ?? ctx.rng.seed };
  const resolved = await resolveModelFolder(base, {
    env: ctx.env,
    baseDir,
    signal: ctx.signal,
    revision: params.revision,
    progress: {
      start: (total, unit, label) => ctx.progress.start(total, unit, label ?? `downloading ${base}`),
      update: (done, extra) => ctx.progress.update(done, extra),
    },
  });
  if (resolved.source === 'downloaded')
    ctx.log.info(`downloaded ${base} (${resolved.revision}) into the Hugging Face cache`);
  if (resolved.source !== 'local') return { hub: resolved.repoId ?? base, revision: resolved.revision! };
  if (existsSync(join(resolved.dir, 'config.json')) || !existsSync(join(resolved.dir, ADAPTER_CONFIG_FILE)))
    return { path: resolved.dir };
  const named = readAdapterBase(resolved.dir);
  if (!named.name)
    throw new Error(
      `${join(resolved.dir, ADAPTER_CONFIG_FILE)}: the adapter names no base (base_model_name_or_path); give the base as \`base\` and the adapter through a lora stage`,
    );
  // A relative base_model_name_or_path is taken relative to the adapter folder.
  return {
    adapter: resolved.dir,
    base: await resolveBase(ctx, { base: named.name, revision: named.revision }, resolved.dir),
  };
}

/** The weights a BaseRef names (an adapter artifact as a base: merged), checked to fit memory for `use` first. */
export async function loadBaseRef(
  ctx: Pick<StageContext, 'env' | 'baseDir' | 'signal'>,
  ref: BaseRef,
  use: Gpt2Use = 'inference',
): Promise<Gpt2Model> {
  if ('init' in ref) return createGpt2(ref.init, ref.seed, use);
  if ('path' in ref) return loadGpt2(ref.path, { use });
  if ('hub' in ref)
    return loadGpt2(
      (
        await resolveModelFolder(ref.hub, {
          env: ctx.env,
          baseDir: ctx.baseDir,
          signal: ctx.signal,
          revision: ref.revision,
        })
      ).dir,
      { use },
    );
  if ('adapter' in ref) return (await loadWithAdapter(ctx, ref.base, ref.adapter, false, describeBase(ref), use)).model;
  if (!existsSync(ref.artifact))
    throw new Error(
      `the base model from stage ${ref.stage} is no longer in the cache (${ref.artifact}); run that stage again`,
    );
  const loaded = await loadArtifact(ctx, ref.artifact, ref.stage, false, use);
  return loaded.model;
}

async function loadArtifact(
  ctx: Pick<StageContext, 'env' | 'baseDir' | 'signal'>,
  dir: string,
  stage: string,
  attachAdapter: boolean,
  use: Gpt2Use,
): Promise<LoadedLm> {
  const artifact = await readLmArtifact(dir);
  const ref: BaseRef = { artifact: dir, stage };
  if (artifact.type !== GPT2_LORA_MODEL)
    return { model: await loadGpt2(dir, { use }), lora: null, ref, label: `${stage} (fine-tuned GPT-2)` };
  const label = `${stage} (LoRA ${attachAdapter ? 'on' : 'merged into'} ${describeBase(artifact.base)})`;
  return { ...(await loadWithAdapter(ctx, artifact.base, join(dir, ADAPTER_FOLDER), attachAdapter, label, use)), ref };
}

/** The base with the adapter in `adapterDir` attached (evaluate, generate) or merged into its weights (a base to train). */
async function loadWithAdapter(
  ctx: Pick<StageContext, 'env' | 'baseDir' | 'signal'>,
  base: BaseRef,
  adapterDir: string,
  attach: boolean,
  label: string,
  use: Gpt2Use,
): Promise<LoadedLm> {
  const model = await loadBaseRef(ctx, base, use);
  try {
    const lora = await loadLoraAdapter(model, adapterDir);
    if (!attach) mergeLora(model, lora);
    return { model, lora: attach ? lora : null, ref: { adapter: adapterDir, base }, label };
  } catch (error) {
    disposeGpt2Model(model);
    throw error;
  }
}
