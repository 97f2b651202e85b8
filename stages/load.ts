// The `load` stage: rows of text (and labels) into a `dataset` artifact, from a catalog dataset
// (stages/data/catalog.ts: $TFPIPE_DATA, else a checked download) or from a file given by `path`:
//   csv      streamed through csv-parse; `columns` picks the text and label columns by header name
//   text     one row per line as Hugging Face's `text` builder gives them (no "\n", blank lines kept as "")
//   wikitext a wiki.*.raw file's rows as Hugging Face's wikitext builder gives them (each line with its "\n")
//   jsonl    one object per line; `columns` picks the keys
//   parquet  `columns` picks the columns
// Gzip is read transparently. Labels become ids through `labels` (names in id order) or the sorted distinct values
// (then printed in the log, with a warning for a class so rare it looks like a typo). An empty result is an error,
// as is a text column empty in every row, a malformed row (file:line) or a missing column (the existing ones are
// listed). The csv and parquet readers (csv-parse, hyparquet) are imported when a file of theirs is read: a cached
// run fingerprints this stage without loading them.
import { extname, isAbsolute, resolve } from 'node:path';
import type { FileDependency, Stage, StageContext, StageEnv, StageResult } from './stage.ts';
import { writeDataset } from './artifacts/dataset.ts';
import { CATALOG, type Catalog, type CatalogName } from './data/catalog.ts';
import { catalogFileDependency, locateCatalogPart, readCatalogRows } from './data/catalog-source.ts';
import { hashFile } from './data/download.ts';
import { parseJsonlRows } from './data/jsonl.ts';
import { assignLabelIds, rareLabels } from './data/labels.ts';
import { displayPath, readDecodedBuffer, type ReadOptions } from './data/read-file.ts';
import { DataError, type ColumnMap, type RawRows } from './data/rows.ts';
import { textBuilderRows, wikitextRows } from './data/text-lines.ts';
import { formatNumber } from '../lib/text/number.ts';

export type FileFormat = 'csv' | 'text' | 'wikitext' | 'jsonl' | 'parquet';

export interface LoadParams {
  dataset?: CatalogName;
  /** A catalog dataset's published split: imdb train | test | all (default); wikitext train | validation | test. */
  part?: string;
  path?: string;
  format?: 'auto' | FileFormat;
  columns?: { text?: string; label?: string };
  labels?: string[];
  sha256?: string;
}

/** The stage over a given catalog (tests hand in one whose entries point at a local server and small files). */
export function createLoadStage(catalog: Catalog = CATALOG): Stage<LoadParams> {
  return {
    kind: 'load',
    version: 1,
    compute: false,
    files(params: LoadParams, env: StageEnv): FileDependency[] {
      if (params.dataset) return [catalogFileDependency(locateCatalogPart(catalog, params.dataset, params.part, env))];
      return [
        { path: resolvePath(requirePath(params), env.baseDir), ...(params.sha256 ? { sha256: params.sha256 } : {}) },
      ];
    },
    async run(ctx: StageContext, params: LoadParams): Promise<StageResult> {
      const source = params.dataset ? await readCatalog(catalog, ctx, params) : await readPathRows(ctx, params);
      const { rows, display } = source;
      if (rows.texts.length === 0) throw new DataError(`${display}: the dataset is empty (no rows)`);
      if (rows.texts.every((t) => t.trim() === '')) throw new DataError(`${display}: ${emptyTextColumn(params)}`);
      const labelled = rows.labels ? assignLabelIds(rows, params.labels ?? source.labelNames) : null;
      if (labelled && !params.labels && !source.labelNames) reportLabelsSeen(ctx, display, labelled);
      ctx.signal.throwIfAborted();
      ctx.progress.status(`write ${formatNumber(rows.texts.length)} rows`);
      await writeDataset(ctx.outDir, {
        texts: rows.texts,
        labels: labelled?.labels ?? null,
        labelNames: labelled?.labelNames ?? [],
      });
      return {
        metrics: { rows: rows.texts.length, ...labelCounts(labelled) },
        summary: [describe(rows.texts.length, display, labelled)],
      };
    },
  };
}

export const loadStage: Stage<LoadParams> = createLoadStage();

interface LoadedRows {
  rows: RawRows;
  display: string;
  labelNames?: string[];
}

async function readCatalog(catalog: Catalog, ctx: StageContext, params: LoadParams): Promise<LoadedRows> {
  if (params.path) throw new DataError('load: give either `dataset` or `path`, not both');
  if (params.columns)
    throw new DataError(`load: \`columns\` applies to files given by \`path\`; ${params.dataset} has fixed columns`);
  const location = locateCatalogPart(catalog, params.dataset!, params.part, ctx);
  const { rows, display } = await readCatalogRows(location, ctx);
  const range = location.part.rows;
  const sliced = range ? sliceRows(rows, range[0], range[1]) : rows;
  return {
    rows: sliced,
    display: `${location.entry.name} ${location.partName} from ${displayPath(display, ctx.baseDir)}`,
    labelNames: location.entry.labelNames,
  };
}

async function readPathRows(ctx: StageContext, params: LoadParams): Promise<LoadedRows> {
  const path = resolvePath(requirePath(params), ctx.baseDir);
  const display = displayPath(path, ctx.baseDir);
  const options: ReadOptions = {
    signal: ctx.signal,
    onStart: (size) => ctx.progress.start(size, 'bytes', `read ${display}`),
    onBytes: (done) => ctx.progress.update(done),
  };
  return { rows: await readRowsFromFile(path, display, params, options), display };
}

/**
 * The rows of a data file (csv, text, jsonl or parquet, gzipped or not) as `load` reads a `path`: `format` (default:
 * from the name) and `columns` pick what is read, `sha256` is checked. Also what `tfpipe predict --input` reads.
 */
export async function readRowsFromFile(
  path: string,
  display: string,
  params: Pick<LoadParams, 'format' | 'columns' | 'sha256'>,
  options: ReadOptions = {},
): Promise<RawRows> {
  const format = params.format && params.format !== 'auto' ? params.format : formatOf(path);
  const columns: ColumnMap = { text: params.columns?.text ?? 'text', label: params.columns?.label };
  if ((format === 'text' || format === 'wikitext') && params.columns)
    throw new DataError(
      `load: ${display} is read as ${format} (one row per line); \`columns\` applies to csv, jsonl and parquet`,
    );
  let rows: RawRows;
  let sha256: string;
  switch (format) {
    case 'csv':
      ({ result: rows, sha256 } = await (await import('./data/csv.ts')).readCsvRows(path, columns, display, options));
      break;
    case 'text':
    case 'wikitext': {
      const read = await readDecodedBuffer(path, options);
      const lines = format === 'text' ? textBuilderRows : wikitextRows;
      rows = { texts: lines(read.result.toString('utf8')), labels: null, where: (row) => `${display}:${row + 1}` };
      sha256 = read.sha256;
      break;
    }
    case 'jsonl': {
      const read = await readDecodedBuffer(path, options);
      rows = parseJsonlRows(read.result.toString('utf8'), columns, display);
      sha256 = read.sha256;
      break;
    }
    case 'parquet':
      sha256 = params.sha256 ? await hashFile(path, options.signal) : '';
      rows = await (await import('./data/parquet.ts')).readParquetRows(path, columns, display);
      break;
  }
  if (params.sha256 && sha256 !== params.sha256)
    throw new DataError(`${display}: sha256 is ${sha256}, expected ${params.sha256} (the \`sha256\` param)`);
  return rows;
}

/** Format from the name, ignoring a trailing .gz: .csv, .txt/.raw/.tokens, .jsonl/.ndjson, .parquet. */
export function formatOf(path: string): FileFormat {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  const ext = extname(name);
  if (ext === '.csv') return 'csv';
  if (ext === '.txt' || ext === '.raw' || ext === '.tokens') return 'text';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.parquet') return 'parquet';
  throw new DataError(
    `load: cannot tell the format of ${path} from its name; set \`format\` to csv, text, jsonl or parquet`,
  );
}

function requirePath(params: LoadParams): string {
  if (!params.path) throw new DataError('load: give `dataset` (imdb, wikitext-2-raw-v1) or `path` (a data file)');
  return params.path;
}

function resolvePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function sliceRows(rows: RawRows, start: number, end: number): RawRows {
  if (rows.texts.length < end) throw new DataError(`expected at least ${end} rows, found ${rows.texts.length}`);
  return {
    texts: rows.texts.slice(start, end),
    labels: rows.labels?.slice(start, end) ?? null,
    where: (row) => rows.where(row + start),
  };
}

function labelCounts(labelled: { labels: Int32Array; labelNames: string[] } | null): Record<string, number> {
  if (!labelled) return {};
  const counts = new Array<number>(labelled.labelNames.length).fill(0);
  for (const id of labelled.labels) counts[id]++;
  return Object.fromEntries(labelled.labelNames.map((name, id) => [`label_${name}`, counts[id]]));
}

/** What is empty, in the words of the file's format: the text column by name, or every line. */
function emptyTextColumn(params: LoadParams): string {
  const format =
    params.format && params.format !== 'auto' ? params.format : params.path ? formatOf(params.path) : 'csv';
  if (format === 'text' || format === 'wikitext') return 'every line is empty; there is no text to learn from';
  return `the text column \`${params.columns?.text ?? 'text'}\` is empty in every row; check \`columns.text\``;
}

/**
 * Without `labels:`, the classes are whatever values the file holds: print them with their rows, and warn about a
 * class so small it looks like a typo (rareLabels: under 1% of the rows, or under 10 and a tenth of the largest).
 */
function reportLabelsSeen(
  ctx: StageContext,
  display: string,
  labelled: { labels: Int32Array; labelNames: string[] },
): void {
  const counts = labelled.labelNames.map(() => 0);
  for (const id of labelled.labels) counts[id]++;
  const listed = labelled.labelNames
    .map((name, id) => `${JSON.stringify(name)} ${formatNumber(counts[id])}`)
    .join(', ');
  ctx.log.info(`labels seen in ${display} (no \`labels:\` given; ids in this order): ${listed}`);
  for (const id of rareLabels(counts)) {
    const share = ((100 * counts[id]) / labelled.labels.length).toFixed(2);
    ctx.log.warn(
      `label ${JSON.stringify(labelled.labelNames[id])} has only ${counts[id]} of ${formatNumber(labelled.labels.length)} rows (${share}%): a typo? List the classes in \`labels:\` to make any other value an error`,
    );
  }
}

function describe(
  rows: number,
  display: string,
  labelled: { labels: Int32Array; labelNames: string[] } | null,
): string {
  const counts = labelCounts(labelled);
  const detail = labelled
    ? ` (${labelled.labelNames.map((name) => `${name} ${formatNumber(counts[`label_${name}`])}`).join(', ')})`
    : '';
  return `${display}: ${formatNumber(rows)} rows${detail}`;
}
