// model-card.json of a web export: which pipeline and stage made the model, in which `tfpipe run` (the run record
// whose stage made this cache entry; else the newest that used it), its training metrics and when it was made.
import { relative } from 'node:path';
import type { CachedModel } from '../commands/cached-model.ts';
import { TFPIPE_VERSION } from '../cache/version.ts';
import { readRunRecords, runsDir } from '../runs/registry.ts';
import type { ModelCard } from './web-model.ts';

export async function modelCardOf(found: CachedModel, modelType: string, cwd: string): Promise<ModelCard> {
  return {
    pipeline: relative(cwd, found.spec.file) || found.spec.file,
    stage: found.stage.id,
    model_type: modelType,
    run: await runThatMade(found),
    fingerprint: found.model.fingerprint,
    metrics: found.manifest.metrics,
    trained: found.manifest.finished,
    exported: new Date().toISOString(),
    tfpipe: TFPIPE_VERSION,
  };
}

async function runThatMade(found: CachedModel): Promise<string | null> {
  const { records } = await readRunRecords(runsDir(found.cacheRoot)).catch(() => ({ records: [] }));
  const using = records.filter((r) =>
    r.stages.some((s) => s.id === found.stage.id && s.fingerprint === found.model.fingerprint),
  );
  const made = using.find((r) => r.stages.some((s) => s.fingerprint === found.model.fingerprint && s.action === 'ran'));
  return (made ?? using[using.length - 1])?.id ?? null;
}
