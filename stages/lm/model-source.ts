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
// Fingerprints: the `base` param is in every fingerprint; a local folder's config.json and weight files are
// hashed too, an adapter folder's two files and its local base's (modelSourceFiles). A Hub id is fingerprinted as
// written: an unpinned `gpt2` means whatever `main` resolved to when it was first fetched into the HF cache (the
// cache does not re-check branches); pin `revision: <commit>` to make the fingerprint name the weights exactly.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGpt2, gpt2WeightFiles, loadGpt2 } from '../../models/gpt2/load.ts';
import type { Gpt2Use } from '../../models/gpt2/size.ts';
import { parseJsonText } from '../../models/io/json-file.ts';
import { disposeGpt2Model, type Gpt2Model } from '../../models/gpt2/model.ts';
import type { Gpt2Shape } from '../../models/gpt2/config.ts';
import { classifyModelRef, resolveModelFolder } from '../../models/hub/resolve.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../models/lora/config.ts';
import { loadLoraAdapter } from '../../models/lora/io.ts';
import { detachLora, type LoraState } from '../../models/lora/lora.ts';
import { mergeLora } from '../../models/lora/merge.ts';
import type { ArtifactRef, FileDependency, StageContext, StageEnv } from '../stage.ts';
import { ADAPTER_FOLDER, describeBase, GPT2_LORA_MODEL, readLmArtifact, type BaseRef } from './model-artifact.ts';

export type InitShape = Gpt2Shape;

export interface LmSourceParams {
  base?: string | { init: InitShape; seed?: number };
  /** Hub branch, tag or commit of a `base` Hub id; default main. */
  revision?: string;
}

export interface LoadedLm {
  model: Gpt2Model;
  /** The adapter attached on top (a gpt2-lora input), or null. */
  lora: LoraState | null;
  /** How to get this model's weights back (the base of an adapter trained on it). */
  ref: BaseRef;
  /** One line for logs and summaries. */
  label: string;
}

/** The files a local-folder `base` reads (hashed into the fingerprint); none for a Hub id or an init. */
export function modelSourceFiles(params: LmSourceParams, env: StageEnv): FileDependency[] {
  return typeof params.base === 'string' ? localModelFiles(params.base, env.baseDir, env) : [];
}

function localModelFiles(ref: string, baseDir: string, env: StageEnv): FileDependency[] {
  const folder = localFolder(ref, baseDir, env);
  if (!folder) return [];
  if (!existsSync(join(folder, 'config.json')) && existsSync(join(folder, ADAPTER_CONFIG_FILE))) {
    const base = adapterBaseOrNull(folder);
    // Weights that are not there (adapter_model.bin only) are left to the load, which says what to do.
    const weights = existsSync(join(folder, ADAPTER_WEIGHTS_FILE)) ? [{ path: join(folder, ADAPTER_WEIGHTS_FILE) }] : [];
    return [{ path: join(folder, ADAPTER_CONFIG_FILE) }, ...weights, ...(base ? localModelFiles(base, folder, env) : [])];
  }
  // A folder without safetensors weights (pytorch_model.bin only) fingerprints its config alone: the load then says
  // what to convert, rather than the fingerprint saying a file is missing.
  return [{ path: join(folder, 'config.json') }, ...gpt2WeightFiles(folder).map((path) => ({ path }))];
}

/**
 * The adapter's base for the fingerprint's file list; null when its config cannot be read, so that the stage runs
 * and its load reports the file (an error thrown while fingerprinting would be no stage's failure).
 */
function adapterBaseOrNull(folder: string): string | null {
  try {
    return readAdapterBase(folder).name;
  } catch {
    return null;
  }
}

/** The folder a string base names when it is one (it exists, or it cannot be a Hub id); else undefined. */
function localFolder(base: string, baseDir: string, env: StageEnv): string | undefined {
  const named = classifyModelRef(base, { env: env.env, baseDir });
  return named.type === 'hub' ? undefined : named.path;
}

/** The base an adapter folder names (peft's base_model_name_or_path and revision). */
function readAdapterBase(dir: string): { name: string | null; revision?: string } {
  const path = join(dir, ADAPTER_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read the adapter config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const json = (parseJsonText(text, path) ?? {}) as { base_model_name_or_path?: unknown; revision?: unknown };
  const name = typeof json.base_model_name_or_path === 'string' && json.base_model_name_or_path !== '' ? json.base_model_name_or_path : null;
  return { name, ...(typeof json.revision === 'string' ? { revision: json.revision } : {}) };
}

/**
 * The model from `base` or the `model` input (exactly one). `attachAdapter`: a gpt2-lora input comes with its
 * adapter attached (evaluate, generate) — else it is merged into the base weights (a base to train on). `use`
 * (default inference): what the memory check counts — finetune keeps 4 copies of the weights, lora one.
 */
export async function loadLmModel(ctx: StageContext, params: LmSourceParams, input: ArtifactRef | undefined, options: { attachAdapter: boolean; use?: Gpt2Use }): Promise<LoadedLm> {
  const use = options.use ?? 'inference';
  const where = `stage ${ctx.stageId}`;
  if (params.base !== undefined && input) throw new Error(`${where}: give either \`base\` (a Hub id, folder or {init}) or a \`model\` input, not both`);
  if (params.base === undefined && !input) throw new Error(`${where}: no model: set \`base\` (a Hub id such as gpt2, a folder, or {init: {...}}) or name a finetune/lora stage in \`model\``);
  if (params.revision !== undefined && typeof params.base !== 'string') throw new Error(`${where}: \`revision\` applies to a Hub id in \`base\``);
  if (input) return loadArtifact(ctx, input.dir, input.stage, options.attachAdapter, use);
  const ref = await resolveBase(ctx, params);
  if ('adapter' in ref) return loadWithAdapter(ctx, ref.base, ref.adapter, options.attachAdapter, describeBase(ref), use);
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
    progress: { start: (total, unit, label) => ctx.progress.start(total, unit, label ?? `downloading ${base}`), update: (done, extra) => ctx.progress.update(done, extra) },
  });
  if (resolved.source === 'downloaded') ctx.log.info(`downloaded ${base} (${resolved.revision}) into the Hugging Face cache`);
  if (resolved.source !== 'local') return { hub: resolved.repoId ?? base, revision: resolved.revision! };
  if (existsSync(join(resolved.dir, 'config.json')) || !existsSync(join(resolved.dir, ADAPTER_CONFIG_FILE))) return { path: resolved.dir };
  const named = readAdapterBase(resolved.dir);
  if (!named.name) throw new Error(`${join(resolved.dir, ADAPTER_CONFIG_FILE)}: the adapter names no base (base_model_name_or_path); give the base as \`base\` and the adapter through a lora stage`);
  // A relative base_model_name_or_path is taken relative to the adapter folder.
  return { adapter: resolved.dir, base: await resolveBase(ctx, { base: named.name, revision: named.revision }, resolved.dir) };
}

/** The weights a BaseRef names (an adapter artifact as a base: merged), checked to fit memory for `use` first. */
export async function loadBaseRef(ctx: Pick<StageContext, 'env' | 'baseDir' | 'signal'>, ref: BaseRef, use: Gpt2Use = 'inference'): Promise<Gpt2Model> {
  if ('init' in ref) return createGpt2(ref.init, ref.seed, use);
  if ('path' in ref) return loadGpt2(ref.path, { use });
  if ('hub' in ref) return loadGpt2((await resolveModelFolder(ref.hub, { env: ctx.env, baseDir: ctx.baseDir, signal: ctx.signal, revision: ref.revision })).dir, { use });
  if ('adapter' in ref) return (await loadWithAdapter(ctx, ref.base, ref.adapter, false, describeBase(ref), use)).model;
  if (!existsSync(ref.artifact)) throw new Error(`the base model from stage ${ref.stage} is no longer in the cache (${ref.artifact}); run that stage again`);
  const loaded = await loadArtifact(ctx, ref.artifact, ref.stage, false, use);
  return loaded.model;
}

async function loadArtifact(ctx: Pick<StageContext, 'env' | 'baseDir' | 'signal'>, dir: string, stage: string, attachAdapter: boolean, use: Gpt2Use): Promise<LoadedLm> {
  const artifact = await readLmArtifact(dir);
  const ref: BaseRef = { artifact: dir, stage };
  if (artifact.type !== GPT2_LORA_MODEL) return { model: await loadGpt2(dir, { use }), lora: null, ref, label: `${stage} (fine-tuned GPT-2)` };
  const label = `${stage} (LoRA ${attachAdapter ? 'on' : 'merged into'} ${describeBase(artifact.base)})`;
  return { ...(await loadWithAdapter(ctx, artifact.base, join(dir, ADAPTER_FOLDER), attachAdapter, label, use)), ref };
}

/** The base with the adapter in `adapterDir` attached (evaluate, generate) or merged into its weights (a base to train). */
async function loadWithAdapter(ctx: Pick<StageContext, 'env' | 'baseDir' | 'signal'>, base: BaseRef, adapterDir: string, attach: boolean, label: string, use: Gpt2Use): Promise<LoadedLm> {
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
