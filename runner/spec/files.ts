// Step 4 of loading: the files and folders a pipeline reads exist, so that a typo in a path stops `validate` and
// `run` before anything runs. Which params name what is declared in the stage schemas (`"x-file"`, see kinds.ts):
//   file   a data file (load's `path`), relative to the pipeline file's folder: it must exist and be a regular file
//          (a FIFO, a device such as /dev/zero, a socket, or a symlink to one are refused: reading them never ends)
//   model  a model folder or a Hugging Face Hub id (`base`), told apart as a run tells them (classifyModelRef): a
//          string that cannot be a Hub id must be a folder with config.json; its .json and .safetensors files must
//          be regular files (lib/fs/regular-file.ts)
// A path with a pinned `sha256` may be absent: its fingerprint needs no file, so a cached stage still runs.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { classifyModelRef } from '../../models/hub/resolve.ts';
import { describeFileType, irregularModelFilesSync } from '../../lib/fs/regular-file.ts';
import { isPlainObject } from './extends.ts';
import type { FileRole, KindCatalog } from './kinds.ts';
import { childPointer, locate, type LocationMap } from './locations.ts';
import { didYouMean, joinHints } from './suggest.ts';
import type { SpecProblem } from './types.ts';

export interface FileContext {
  /** The pipeline file's folder: relative paths resolve against it, as in a run. */
  baseDir: string;
  /** For `~` in a model folder (HOME); without it such a path is not checked. */
  env?: Readonly<Record<string, string | undefined>>;
}

type Check = (
  value: string,
  stage: Record<string, unknown>,
  where: FileContext,
) => Omit<SpecProblem, 'location'> | undefined;

const CHECKS: Record<FileRole, Check> = { file: checkDataFile, model: checkModelFolder };

export function checkFiles(
  config: unknown,
  locs: LocationMap,
  catalog: KindCatalog,
  where: FileContext,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (!isPlainObject(config) || !isPlainObject(config.stages)) return problems;
  for (const [id, stage] of Object.entries(config.stages)) {
    const info = isPlainObject(stage) && typeof stage.kind === 'string' ? catalog.info.get(stage.kind) : undefined;
    if (!info || !isPlainObject(stage)) continue;
    for (const [key, role] of Object.entries(info.files)) {
      const value = stage[key];
      if (typeof value !== 'string' || value === '') continue; // absent, an {init}, or already reported by the schema
      const problem = CHECKS[role](value, stage, where);
      if (problem)
        problems.push({
          ...problem,
          message: `\`${id}.${key}\`: ${problem.message}`,
          location: locate(locs, childPointer(childPointer('/stages', id), key)),
        });
    }
  }
  return problems;
}

function checkDataFile(
  path: string,
  stage: Record<string, unknown>,
  where: FileContext,
): Omit<SpecProblem, 'location'> | undefined {
  const abs = isAbsolute(path) ? path : resolve(where.baseDir, path);
  const entry = statOrNull(abs);
  if (entry?.isFile()) return undefined;
  if (entry?.isDirectory()) {
    return {
      code: 'input-not-usable',
      message: `${path} is a folder, not a data file (${abs})`,
      hint: 'name a .csv, .txt, .jsonl or .parquet file in it',
    };
  }
  if (entry) {
    // A FIFO blocks the read forever, a device (/dev/zero) never ends: only regular files are data.
    return {
      code: 'input-not-usable',
      message: `${path} is ${describeFileType(entry)}, not a regular file (${abs})`,
      hint: 'name a regular .csv, .txt, .jsonl or .parquet file',
    };
  }
  if (stage.sha256 !== undefined) return undefined; // a pinned file may come later
  return {
    code: 'input-not-found',
    message: `no file ${path} (looked for ${abs})`,
    hint: joinHints(
      didYouMean(basename(abs), entriesOf(dirname(abs))),
      isAbsolute(path) ? undefined : `relative paths start at the pipeline file's folder, ${where.baseDir}`,
    ),
  };
}

function checkModelFolder(
  ref: string,
  _stage: Record<string, unknown>,
  where: FileContext,
): Omit<SpecProblem, 'location'> | undefined {
  if (ref.startsWith('~') && !where.env?.HOME && !where.env?.USERPROFILE) return undefined;
  const named = classifyModelRef(ref, { env: where.env ?? {}, baseDir: where.baseDir });
  // A folder (even one whose config.json is a FIFO, which classifyModelRef does not count): its model files must
  // be regular files, or reading them blocks or never ends.
  const folder =
    named.type === 'folder'
      ? named.path
      : named.type === 'neither' && named.found === 'folder'
        ? named.path
        : undefined;
  const irregular = folder ? irregularModelFilesSync(folder) : [];
  if (irregular.length > 0) {
    return {
      code: 'input-not-usable',
      message: `model folder ${ref}: ${irregular.map((e) => e.message).join('; ')}`,
      hint: 'a model folder holds regular files (config.json, model.safetensors), or symlinks to them',
    };
  }
  if (named.type !== 'neither') return undefined;
  const hint =
    'give a folder with config.json and model.safetensors, a Hugging Face Hub id (gpt2, openai-community/gpt2) or {init: {...}}';
  switch (named.found) {
    case 'nothing':
      return {
        code: 'input-not-found',
        message: `no model folder ${ref} (looked for ${named.path}), and it cannot be a Hugging Face Hub id either`,
        hint: joinHints(didYouMean(basename(named.path), entriesOf(dirname(named.path))), hint),
      };
    case 'file':
      return {
        code: 'input-not-usable',
        message: `${ref} is ${describeStat(named.path)}, not a model folder (${named.path})`,
        hint,
      };
    case 'folder':
      return {
        code: 'input-not-usable',
        message: `the folder ${ref} has no config.json (${named.path})`,
        hint: 'a model folder holds config.json and model.safetensors, as save_pretrained writes them',
      };
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** The names in a folder, for a did-you-mean; none when it cannot be read. */
function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** "a file", "a FIFO (named pipe)", "a character device", ... for a path known to exist. */
function describeStat(path: string): string {
  const entry = statOrNull(path);
  return !entry || entry.isFile() ? 'a file' : describeFileType(entry);
}
