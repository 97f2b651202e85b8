// Where a GPT-2 stage gets its model: exactly one of
//   `base:` (param)  a Hub id (`gpt2`, `openai-community/gpt2-medium`; `revision` picks a branch, tag or commit),
//                    a local folder with config.json + model.safetensors, or `{init: {n_layer, n_head, n_embd,
//                    n_positions, ...}, seed?}` for a randomly initialised GPT-2 (seed default: the pipeline's);
//   `model:` (input) a model artifact of finetune or lora (a full GPT-2, or an adapter loaded onto its base).
// Fingerprints: the `base` param is in every fingerprint; a local folder's config.json and model.safetensors are
// hashed too (modelSourceFiles). A Hub id is fingerprinted as written: an unpinned `gpt2` means whatever `main`
// resolved to when it was first fetched into the HF cache (the cache does not re-check branches); pin
// `revision: <commit>` to make the fingerprint name the weights exactly.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createGpt2, loadGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model, type Gpt2Model } from '../../models/gpt2/model.ts';
import type { Gpt2Shape } from '../../models/gpt2/config.ts';
import { classifyModelRef, resolveModelFolder } from '../../models/hub/resolve.ts';
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
  if (typeof params.base !== 'string') return [];
  const folder = localFolder(params.base, env);
  return folder ? [{ path: join(folder, 'config.json') }, { path: join(folder, 'model.safetensors') }] : [];
}

/** The folder a string base names when it is one (it exists, or it cannot be a Hub id); else undefined. */
function localFolder(base: string, env: StageEnv): string | undefined {
  const named = classifyModelRef(base, { env: env.env, baseDir: env.baseDir });
  return named.type === 'hub' ? undefined : named.path;
}

/**
 * The model from `base` or the `model` input (exactly one). `attachAdapter`: a gpt2-lora input comes with its
 * adapter attached (evaluate, generate) — else it is merged into the base weights (a base to train on).
 */
export async function loadLmModel(ctx: StageContext, params: LmSourceParams, input: ArtifactRef | undefined, options: { attachAdapter: boolean }): Promise<LoadedLm> {
  const where = `stage ${ctx.stageId}`;
  if (params.base !== undefined && input) throw new Error(`${where}: give either \`base\` (a Hub id, folder or {init}) or a \`model\` input, not both`);
  if (params.base === undefined && !input) throw new Error(`${where}: no model: set \`base\` (a Hub id such as gpt2, a folder, or {init: {...}}) or name a finetune/lora stage in \`model\``);
  if (params.revision !== undefined && typeof params.base !== 'string') throw new Error(`${where}: \`revision\` applies to a Hub id in \`base\``);
  if (input) return loadArtifact(ctx, input.dir, input.stage, options.attachAdapter);
  const ref = await resolveBase(ctx, params);
  const model = await loadBaseRef(ctx, ref);
  return { model, lora: null, ref, label: describeBase(ref) };
}

/** Disposes the model and its adapter (every variable they hold). */
export function disposeLm(loaded: LoadedLm): void {
  if (loaded.lora) detachLora(loaded.model, loaded.lora);
  disposeGpt2Model(loaded.model);
}

/** The base param as a BaseRef: a Hub id is resolved (cache, else download) to its commit. */
async function resolveBase(ctx: StageContext, params: LmSourceParams): Promise<BaseRef> {
  const base = params.base!;
  if (typeof base !== 'string') return { init: base.init, seed: base.seed ?? ctx.rng.seed };
  const resolved = await resolveModelFolder(base, {
    env: ctx.env,
    baseDir: ctx.baseDir,
    signal: ctx.signal,
    revision: params.revision,
    progress: { start: (total, unit, label) => ctx.progress.start(total, unit, label ?? `downloading ${base}`), update: (done, extra) => ctx.progress.update(done, extra) },
  });
  if (resolved.source === 'downloaded') ctx.log.info(`downloaded ${base} (${resolved.revision}) into the Hugging Face cache`);
  return resolved.source === 'local' ? { path: resolved.dir } : { hub: resolved.repoId ?? base, revision: resolved.revision! };
}

/** The weights a BaseRef names (an adapter artifact as a base: merged). */
export async function loadBaseRef(ctx: Pick<StageContext, 'env' | 'baseDir' | 'signal'>, ref: BaseRef): Promise<Gpt2Model> {
  if ('init' in ref) return createGpt2(ref.init, ref.seed);
  if ('path' in ref) return loadGpt2(ref.path);
  if ('hub' in ref) return loadGpt2((await resolveModelFolder(ref.hub, { env: ctx.env, baseDir: ctx.baseDir, signal: ctx.signal, revision: ref.revision })).dir);
  if (!existsSync(ref.artifact)) throw new Error(`the base model from stage ${ref.stage} is no longer in the cache (${ref.artifact}); run that stage again`);
  const loaded = await loadArtifact(ctx, ref.artifact, ref.stage, false);
  return loaded.model;
}

async function loadArtifact(ctx: Pick<StageContext, 'env' | 'baseDir' | 'signal'>, dir: string, stage: string, attachAdapter: boolean): Promise<LoadedLm> {
  const artifact = await readLmArtifact(dir);
  const ref: BaseRef = { artifact: dir, stage };
  if (artifact.type !== GPT2_LORA_MODEL) return { model: await loadGpt2(dir), lora: null, ref, label: `${stage} (fine-tuned GPT-2)` };
  const model = await loadBaseRef(ctx, artifact.base);
  try {
    const lora = await loadLoraAdapter(model, join(dir, ADAPTER_FOLDER));
    if (attachAdapter) return { model, lora, ref, label: `${stage} (LoRA on ${describeBase(artifact.base)})` };
    mergeLora(model, lora);
    return { model, lora: null, ref, label: `${stage} (LoRA merged into ${describeBase(artifact.base)})` };
  } catch (error) {
    disposeGpt2Model(model);
    throw error;
  }
}
