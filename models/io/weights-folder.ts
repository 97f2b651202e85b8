// The weights of a Hugging Face model folder, as one source of named tensors: a single `model.safetensors`, or a
// sharded checkpoint — `model.safetensors.index.json` ({"metadata"?: {...}, "weight_map": {tensor: shard file}})
// and the shard files it names. Headers are read (and checked) up front, so callers can check every key and shape
// before reading data; each tensor's bytes are read only when asked for, from the one shard that holds it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from './json-file.ts';
import { openSafetensors, type NamedArray, type SafetensorsReader, type TensorEntry } from './safetensors.ts';

export interface WeightsEntry extends TensorEntry {
  /** The file that holds the tensor. */
  path: string;
}

export interface TensorSource {
  /** What names the weights in messages: the file, or the index of a sharded checkpoint. */
  readonly label: string;
  /** Every tensor by name. */
  readonly entries: ReadonlyMap<string, WeightsEntry>;
  /** Bytes read from the safetensors files so far (lengths, headers, tensor data). */
  readonly bytesRead: number;
  read(name: string): Promise<NamedArray>;
  close(): Promise<void>;
}

export interface WeightsFiles {
  /** The single file: model.safetensors. */
  single: string;
  /** The index of a sharded checkpoint: model.safetensors.index.json. */
  index: string;
}

/** Opens the folder's weights (single file first, else the shard index); null when it has neither. */
export async function openWeightsFolder(dir: string, files: WeightsFiles): Promise<TensorSource | null> {
  const single = join(dir, files.single);
  if (existsSync(single)) {
    const reader = await openSafetensors(single);
    return sourceOf(single, [reader], new Map([...reader.entries].map(([name, e]) => [name, { ...e, path: single }])));
  }
  const indexPath = join(dir, files.index);
  if (!existsSync(indexPath)) return null;
  const weightMap = await readWeightMap(indexPath);
  const readers: SafetensorsReader[] = [];
  try {
    const byShard = new Map<string, string[]>();
    for (const [name, shard] of Object.entries(weightMap)) byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
    const entries = new Map<string, WeightsEntry>();
    for (const [shard, names] of byShard) {
      const path = join(dir, shard);
      if (!existsSync(path))
        throw new Error(
          `${indexPath}: the weight_map names ${shard} (for ${names[0]}${names.length > 1 ? ` and ${names.length - 1} more` : ''}), which is not in ${dir}`,
        );
      const reader = await openSafetensors(path);
      readers.push(reader);
      for (const name of names) {
        const entry = reader.entries.get(name);
        if (!entry)
          throw new Error(`${indexPath}: the weight_map puts tensor ${name} in ${shard}, which has no such tensor`);
        entries.set(name, { ...entry, path });
      }
    }
    return sourceOf(indexPath, readers, entries);
  } catch (error) {
    await Promise.all(readers.map((r) => r.close()));
    throw error;
  }
}

/**
 * The files a load of the folder reads, for a fingerprint: the single file, or the index and the shards it names
 * (sorted); [] when there are no safetensors weights. Synchronous and lenient: an index that cannot be read lists
 * itself alone (the load then reports it, naming it).
 */
export function listWeightFiles(dir: string, files: WeightsFiles): string[] {
  const single = join(dir, files.single);
  if (existsSync(single)) return [single];
  const indexPath = join(dir, files.index);
  if (!existsSync(indexPath)) return [];
  let weightMap: unknown;
  try {
    weightMap = (JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map?: unknown } | null)?.weight_map;
  } catch {
    return [indexPath];
  }
  const shards =
    typeof weightMap === 'object' && weightMap !== null ? Object.values(weightMap).filter(isShardName) : [];
  return [indexPath, ...[...new Set(shards)].sort().map((s) => join(dir, s))];
}

/** A shard file name inside the folder: no path separator, not `.` or `..`. */
function isShardName(shard: unknown): shard is string {
  return typeof shard === 'string' && shard !== '' && !/[\\/]/.test(shard) && shard !== '.' && shard !== '..';
}

/** The index's weight_map, checked: every value a file name inside the folder (no path, no `..`). */
async function readWeightMap(indexPath: string): Promise<Record<string, string>> {
  const index = await readJsonFile(indexPath);
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap))
    throw new Error(`${indexPath}: no weight_map object ({tensor name: shard file})`);
  for (const [name, shard] of Object.entries(weightMap)) {
    if (!isShardName(shard)) {
      throw new Error(
        `${indexPath}: weight_map.${name} must name a shard file in the same folder, found ${JSON.stringify(shard)}`,
      );
    }
  }
  if (Object.keys(weightMap).length === 0) throw new Error(`${indexPath}: the weight_map is empty`);
  return weightMap as Record<string, string>;
}

function sourceOf(label: string, readers: SafetensorsReader[], entries: Map<string, WeightsEntry>): TensorSource {
  const byPath = new Map(readers.map((r) => [r.path, r]));
  return {
    label,
    entries,
    get bytesRead() {
      return readers.reduce((n, r) => n + r.bytesRead, 0);
    },
    read(name) {
      const entry = entries.get(name);
      if (!entry) return Promise.reject(new Error(`${label}: no tensor ${name}`));
      return byPath.get(entry.path)!.read(name);
    },
    async close() {
      await Promise.all(readers.map((r) => r.close()));
    },
  };
}
