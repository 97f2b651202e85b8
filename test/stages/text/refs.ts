// Small datasets and splits written with writeDataset, handed to stages as ArtifactRefs.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDataset, type Dataset, type SplitPart } from '../../../stages/artifacts/dataset.ts';
import type { ArtifactRef, ArtifactType, Fingerprint } from '../../../stages/stage.ts';

export function refTo(type: ArtifactType, dir: string, stage = 'upstream', output = type): ArtifactRef {
  return { type, dir, fingerprint: `${stage}-fp` as Fingerprint, stage, output };
}

/** Unlabelled rows, or rows labelled 0/1 as ['negative', 'positive']. */
export function rows(texts: string[], labels?: number[]): Dataset {
  return labels
    ? { texts, labels: Int32Array.from(labels), labelNames: ['negative', 'positive'] }
    : { texts, labels: null, labelNames: [] };
}

export async function datasetRef(data: Dataset): Promise<ArtifactRef> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-dataset-'));
  await writeDataset(dir, data);
  return refTo('dataset', dir, 'load');
}

export async function splitsRef(parts: Partial<Record<SplitPart, Dataset>>): Promise<ArtifactRef> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-splits-'));
  for (const [part, data] of Object.entries(parts)) await writeDataset(join(dir, part), data);
  return refTo('splits', dir, 'split');
}
