// Resolving a text stage's `input`: a dataset is one part; a splits artifact is its train/ valid/ test/ datasets
// (a part may be absent when the split left it empty).
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { SPLIT_PARTS, type SplitPart } from '../artifacts/dataset.ts';
import type { ArtifactRef } from '../stage.ts';

export interface DatasetPart {
  /** null for a plain dataset input. */
  part: SplitPart | null;
  dir: string;
}

export async function listDatasetParts(ref: ArtifactRef, stageId: string): Promise<DatasetPart[]> {
  switch (ref.type) {
    case 'dataset':
      return [{ part: null, dir: ref.dir }];
    case 'splits': {
      const parts = await presentSplitParts(ref.dir);
      if (parts.length === 0) {
        throw new Error(
          `stage ${stageId}: input ${ref.stage}.${ref.output} is a splits artifact with no train/, valid/ or test/ dataset`,
        );
      }
      return parts.map((part) => ({ part, dir: join(ref.dir, part) }));
    }
    default:
      throw new Error(
        `stage ${stageId}: input ${ref.stage}.${ref.output} is a ${ref.type}; expected a dataset or splits`,
      );
  }
}

/** Parts of a splits folder that hold a dataset, in SPLIT_PARTS order. */
export async function presentSplitParts(dir: string): Promise<SplitPart[]> {
  const present: SplitPart[] = [];
  for (const part of SPLIT_PARTS) {
    if (await exists(join(dir, part, 'meta.json'))) present.push(part);
  }
  return present;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
