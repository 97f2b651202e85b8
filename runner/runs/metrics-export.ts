// Metrics at paths that do not move, for tools that read files (DVC): after each run,
//   <home>/metrics/<pipeline file stem>/<stage>/metrics.json   {"test_acc": 0.84, "test_loss": 0.37}  (numbers only)
//   <home>/metrics/<pipeline file stem>/<stage>/history.csv    epoch,train_loss,train_acc,valid_loss,valid_acc
//   <home>/metrics/<pipeline file stem>/<stage>/steps.csv      step,loss,lr,tokens_per_s
// (<home> as in registry.ts: `.tfpipe` by default). Shapes: `dvc metrics show` takes a JSON object of numbers
// (nested objects are flattened by DVC, so only numeric leaves are written); `dvc plots show FILE -x epoch -y
// valid_loss` takes a CSV with a header row. Cache entries cannot serve: their paths change with every fingerprint.
// The stem and the stage id come from the user: each stage's folder is confined to <home>/metrics (confine.ts), so
// a file named `...yaml` (stem `..`) with a stage `cache` can never remove <home>/cache.
import { writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { confinedPath, mkdirConfined, removeConfined } from '../../lib/fs/confine.ts';
import { readEntryFiles } from './entry-files.ts';
import { formatCsv } from '../../stages/artifacts/csv-table.ts';
import { HISTORY_FILE, METRICS_FILE, STEPS_FILE } from '../../stages/artifacts/result-files.ts';
import type { RunRecord } from './record.ts';
import { registryHome } from './registry.ts';

/** <home>/metrics: nothing the export writes or removes lies outside it. */
export function metricsRoot(cacheRoot: string): string {
  return join(registryHome(cacheRoot), 'metrics');
}

/** <home>/metrics/<stem>; throws PathEscapeError for a stem that would leave <home>/metrics (`..`, `.`). */
export function metricsExportDir(cacheRoot: string, pipelineFile: string): string {
  return confinedPath(metricsRoot(cacheRoot), basename(pipelineFile, extname(pipelineFile)));
}

/** Writes the files of every stage that ran or came from the cache; returns the paths written. */
export async function exportRunMetrics(record: RunRecord): Promise<string[]> {
  const top = metricsRoot(record.cacheRoot);
  const root = metricsExportDir(record.cacheRoot, record.pipeline.file);
  const written: string[] = [];
  for (const stage of record.stages) {
    if (stage.action !== 'ran' && stage.action !== 'cached') continue;
    const files = await readEntryFiles(record.cacheRoot, stage.fingerprint);
    const metrics = numericLeaves({ ...(files.metricsJson ?? {}), ...stage.metrics });
    const outputs: [string, string][] = [];
    if (Object.keys(metrics).length > 0) outputs.push([METRICS_FILE, formatDvcMetricsJson(metrics)]);
    if (files.history) outputs.push([HISTORY_FILE, formatCsv(files.history)]);
    if (files.steps) outputs.push([STEPS_FILE, formatCsv(files.steps)]);
    const dir = confinedPath(root, stage.id);
    await removeConfined(top, dir);
    if (outputs.length === 0) continue;
    await mkdirConfined(top, dir);
    for (const [name, text] of outputs) {
      await writeFile(join(dir, name), text);
      written.push(join(dir, name));
    }
  }
  return written;
}

/** Only finite numbers survive (strings, lists such as a confusion matrix, and NaN are left out). */
export function numericLeaves(value: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])),
  );
}

export function formatDvcMetricsJson(metrics: Record<string, number>): string {
  return `${JSON.stringify(metrics, null, 2)}\n`;
}
