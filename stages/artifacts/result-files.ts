// The result files training, evaluation and generation stages leave next to their outputs, named here once for the
// stages that write them and for `tfpipe diff`, `report` and the DVC export that read them (runner/runs/entry-files.ts):
//   history.csv   one row per epoch: epoch, train_loss, train_acc, valid_loss, valid_acc, seconds, samples_per_s
//   steps.csv     one row per logging step: step, epoch, loss, lr, tokens_per_s (fine-tuning, LoRA)
//   metrics.json  the stage's figures; an evaluation adds confusion_matrix, labels and examples
//   texts.json    {model, texts: [{prompt, text, ...}]} (generation)
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatCsv } from '../artifacts/csv-table.ts';
import type { HistoryRow } from '../../models/train/loop.ts';

export const HISTORY_FILE = 'history.csv';
export const STEPS_FILE = 'steps.csv';
export const METRICS_FILE = 'metrics.json';
export const TEXTS_FILE = 'texts.json';

/** Timings to the millisecond and rates to 0.1/s: their noise has no meaning beyond that. */
export function tidyHistoryRow(row: HistoryRow): HistoryRow {
  const out: HistoryRow = { ...row };
  if (out.seconds !== undefined) out.seconds = Math.round(out.seconds * 1000) / 1000;
  if (out.samples_per_s !== undefined) out.samples_per_s = Math.round(out.samples_per_s * 10) / 10;
  return out;
}

export async function writeHistoryCsv(dir: string, history: readonly HistoryRow[]): Promise<void> {
  await writeFile(join(dir, HISTORY_FILE), formatCsv(history.map(tidyHistoryRow)));
}

export async function writeMetricsJson(dir: string, metrics: Record<string, unknown>): Promise<void> {
  await writeFile(join(dir, METRICS_FILE), JSON.stringify(metrics, null, 2) + '\n');
}
