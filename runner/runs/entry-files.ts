// The result files that training, evaluation and generation stages leave in their cache entries (named and
// written by stages/artifacts/result-files.ts), read for `diff`, `report` and the DVC export. Each is optional; a
// missing or unreadable file reads as absent.
//   history.csv    one row per epoch: epoch, train_loss, train_acc, valid_loss, valid_acc (training)
//   steps.csv      one row per logging step: step, loss, lr, tokens_per_s (fine-tuning)
//   metrics.json   {test_acc: 0.84, ..., confusion_matrix?: [[..]], labels?: [..], examples?: [..]} (evaluation)
//   texts.json     generated texts: a list of strings or of {prompt, text} objects (generation)
// Files are found through the entry's manifest, at any depth under out/ (outputs may sit in subfolders).
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { TableRow } from '../../stages/artifacts/csv-table.ts';
import { HISTORY_FILE, METRICS_FILE, STEPS_FILE, TEXTS_FILE } from '../../stages/artifacts/result-files.ts';
import { readManifest } from '../cache/manifest.ts';

export interface EntryFiles {
  history?: TableRow[];
  steps?: TableRow[];
  metricsJson?: Record<string, unknown>;
  texts?: unknown[];
}

export const ENTRY_FILE_NAMES = {
  history: HISTORY_FILE,
  steps: STEPS_FILE,
  metricsJson: METRICS_FILE,
  texts: TEXTS_FILE,
} as const;

/** Reads what there is of the four files in the entry <cacheRoot>/<fingerprint>; {} when the entry is gone. */
export async function readEntryFiles(cacheRoot: string, fingerprint: string): Promise<EntryFiles> {
  if (!/^[0-9a-f]{64}$/.test(fingerprint)) return {};
  const dir = join(cacheRoot, fingerprint);
  const read = await readManifest(dir);
  if (read.status !== 'ok') return {};
  const outDir = join(dir, 'out');
  const find = (name: string) => shallowest(Object.keys(read.manifest.files).filter((f) => posix.basename(f) === name));
  const files: EntryFiles = {};
  const history = find(ENTRY_FILE_NAMES.history);
  const steps = find(ENTRY_FILE_NAMES.steps);
  const metrics = find(ENTRY_FILE_NAMES.metricsJson);
  const texts = find(ENTRY_FILE_NAMES.texts);
  if (history) files.history = await readCsvRows(join(outDir, history));
  if (steps) files.steps = await readCsvRows(join(outDir, steps));
  if (metrics) {
    const value = await readJson(join(outDir, metrics));
    if (isRecord(value)) files.metricsJson = value;
  }
  if (texts) {
    const value = await readJson(join(outDir, texts));
    if (Array.isArray(value)) files.texts = value;
    else if (isRecord(value) && Array.isArray(value.texts)) files.texts = value.texts;
  }
  return dropEmpty(files);
}

/** A CSV with a header row; numeric cells become numbers. Unreadable → undefined. */
export async function readCsvRows(path: string): Promise<TableRow[] | undefined> {
  try {
    const rows = parse(await readFile(path, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<
      string,
      string
    >[];
    return rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, v !== '' && Number.isFinite(Number(v)) ? Number(v) : v]),
      ),
    );
  } catch {
    return undefined;
  }
}

/** Top-level scalar members of metrics.json (numbers, strings, booleans): the ones that go in metric tables. */
export function scalarMetrics(value: Record<string, unknown> | undefined): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(value ?? {})) {
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function shallowest(paths: string[]): string | undefined {
  return paths.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))[0];
}

function dropEmpty(files: EntryFiles): EntryFiles {
  return Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined)) as EntryFiles;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
