// What a GPT-2 stage's model source adds to its fingerprint, and the `base` / `revision` params that name it (the
// loading itself is model-source.ts'). A light module: a cached run fingerprints every stage, and this is all it
// imports of the GPT-2 code, so it never loads TensorFlow.js.
// The `base` param is in every fingerprint; a local folder's config.json and weight files are hashed too, an
// adapter folder's two files and its local base's (modelSourceFiles). A Hub id is fingerprinted as written: an
// unpinned `gpt2` means whatever `main` resolved to when it was first fetched into the HF cache (the cache does not
// re-check branches); pin `revision: <commit>` to make the fingerprint name the weights exactly.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gpt2Shape } from '../../models/gpt2/config.ts';
import { gpt2WeightFiles } from '../../models/gpt2/weight-files.ts';
import { classifyModelRef } from '../../models/hub/resolve.ts';
import { parseJsonText } from '../../models/io/json-file.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../models/lora/config.ts';
import type { FileDependency, StageEnv } from '../stage.ts';

export type InitShape = Gpt2Shape;

export interface LmSourceParams {
  base?: string | { init: InitShape; seed?: number };
  /** Hub branch, tag or commit of a `base` Hub id; default main. */
  revision?: string;
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
    const weights = existsSync(join(folder, ADAPTER_WEIGHTS_FILE))
      ? [{ path: join(folder, ADAPTER_WEIGHTS_FILE) }]
      : [];
    return [
      { path: join(folder, ADAPTER_CONFIG_FILE) },
      ...weights,
      ...(base ? localModelFiles(base, folder, env) : []),
    ];
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
export function readAdapterBase(dir: string): { name: string | null; revision?: string } {
  const path = join(dir, ADAPTER_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `${path}: cannot read the adapter config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const json = (parseJsonText(text, path) ?? {}) as { base_model_name_or_path?: unknown; revision?: unknown };
  const name =
    typeof json.base_model_name_or_path === 'string' && json.base_model_name_or_path !== ''
      ? json.base_model_name_or_path
      : null;
  return { name, ...(typeof json.revision === 'string' ? { revision: json.revision } : {}) };
}
