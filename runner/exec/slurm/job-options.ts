// A stage's sbatch options from the pipeline's `executor:` block: the block's own settings, then its `kinds:` entry
// for the stage's kind, then its `stages:` entry for the stage, each over the one before; `sbatch:` lists add up.
import type { ExecutorSettings, JobResources } from '../../spec/types.ts';

/** The resources one stage's job asks for, after the kind's and the stage's settings. */
export function jobResources(settings: ExecutorSettings | undefined, stageId: string, kind: string): JobResources {
  const layers = [settings, settings?.kinds?.[kind], settings?.stages?.[stageId]];
  const merged: JobResources = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const key of ['partition', 'gres', 'cpus', 'mem', 'time', 'account'] as const)
      if (layer[key] !== undefined) Object.assign(merged, { [key]: layer[key] });
    if (layer.sbatch) merged.sbatch = [...(merged.sbatch ?? []), ...layer.sbatch];
  }
  return merged;
}

/** sbatch's options for `resources`: --partition=gpu --gres=gpu:1 --cpus-per-task=8 … then the extra ones. */
export function sbatchOptions(resources: JobResources): string[] {
  const options: string[] = [];
  if (resources.partition !== undefined) options.push(`--partition=${resources.partition}`);
  if (resources.account !== undefined) options.push(`--account=${resources.account}`);
  if (resources.gres !== undefined) options.push(`--gres=${resources.gres}`);
  if (resources.cpus !== undefined) options.push(`--cpus-per-task=${resources.cpus}`);
  if (resources.mem !== undefined) options.push(`--mem=${resources.mem}`);
  if (resources.time !== undefined) options.push(`--time=${resources.time}`);
  return [...options, ...(resources.sbatch ?? [])];
}
