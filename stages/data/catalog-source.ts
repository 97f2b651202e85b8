// Reading a catalog dataset's part: from $TFPIPE_DATA when the file is there, else from a download kept in
// <cacheRoot>/downloads/<dataset>/. Every source is checked against a pinned sha256 (the file's own, or the rows'
// canonical text), so a local copy and a download give the same rows in the same order. The csv and parquet
// readers are imported when a part of theirs is read, so fingerprinting a cached run does not load them.
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { FileDependency, ProgressReporter } from '../stage.ts';
import {
  remoteUrl,
  type Catalog,
  type CatalogEntry,
  type CatalogName,
  type CatalogPart,
  type SourceFormat,
} from './catalog.ts';
import { canonicalSha256 } from './canonical-text.ts';
import { downloadFile } from './download.ts';
import { readImdbArchive } from './imdb-archive.ts';
import { readDecodedBuffer, type ReadOptions } from './read-file.ts';
import { DataError, type RawRows } from './rows.ts';
import { wikitextRows } from './text-lines.ts';
import { formatNumber } from '../../lib/text/number.ts';

export interface CatalogLocation {
  entry: CatalogEntry;
  partName: string;
  part: CatalogPart;
  /** The file under $TFPIPE_DATA, when it exists. */
  localPath: string | null;
  /** Where the download is (or will be) kept. */
  downloadPath: string;
  /** Why $TFPIPE_DATA does not provide the file, when it is set and does not ("TFPIPE_DATA=… does not exist"). */
  localMiss: string | null;
}

export interface SourceEnv {
  env: Readonly<Record<string, string | undefined>>;
  baseDir: string;
  cacheRoot: string;
}

export interface ReadContext extends SourceEnv {
  signal: AbortSignal;
  progress: ProgressReporter;
  log: { info(message: string): void; warn(message: string): void };
}

export function locateCatalogPart(
  catalog: Catalog,
  name: CatalogName,
  partName: string | undefined,
  where: SourceEnv,
): CatalogLocation {
  const entry = catalog[name];
  if (!entry)
    throw new DataError(`load: unknown dataset "${name}"; the catalog has ${Object.keys(catalog).join(', ')}`);
  const chosen = partName ?? entry.defaultPart;
  const parts = Object.keys(entry.parts);
  if (chosen === undefined)
    throw new DataError(`load: ${name} has parts ${parts.join(', ')}; choose one with \`part\``);
  const part = entry.parts[chosen];
  if (!part) throw new DataError(`load: ${name} has no part "${chosen}"; it has ${parts.join(', ')}`);
  const dataRoot = where.env.TFPIPE_DATA;
  const root = dataRoot ? (isAbsolute(dataRoot) ? dataRoot : resolve(where.baseDir, dataRoot)) : null;
  const candidate = root ? join(root, part.local.path) : null;
  const found = candidate !== null && existsSync(candidate);
  return {
    entry,
    partName: chosen,
    part,
    localPath: found ? candidate : null,
    downloadPath: join(where.cacheRoot, 'downloads', name, part.remote.cacheName),
    localMiss:
      root === null || found
        ? null
        : existsSync(root)
          ? `TFPIPE_DATA=${dataRoot} has no ${part.local.path}`
          : `TFPIPE_DATA=${dataRoot} does not exist`,
  };
}

/** The fingerprint input: the rows' pinned identity, whichever source will provide them. */
export function catalogFileDependency(location: CatalogLocation): FileDependency {
  return {
    path: location.localPath ?? location.downloadPath,
    sha256: location.part.contentSha256,
    // The same rows from $TFPIPE_DATA or a download, wherever either lives: one fingerprint.
    key: `catalog:${location.entry.name}/${location.partName}`,
  };
}

/** All rows of the part's file (before the part's row range is applied), checked against the pinned hashes. */
export async function readCatalogRows(
  location: CatalogLocation,
  ctx: ReadContext,
): Promise<{ rows: RawRows; display: string }> {
  const { entry, part } = location;
  let rows: RawRows;
  let display: string;
  let checkContent: boolean;
  if (location.localPath) {
    display = location.localPath;
    const outcome = await readSource(part.local.format, location.localPath, entry, display, {
      signal: ctx.signal,
      onStart: (size) => ctx.progress.start(size, 'bytes', `read ${entry.name}`),
      onBytes: (done) => ctx.progress.update(done),
    });
    rows = outcome.rows;
    if (part.local.sha256 && outcome.sha256 !== part.local.sha256) {
      throw new DataError(
        `${display}: sha256 is ${outcome.sha256}, expected ${part.local.sha256}; this is not the catalog's ${entry.name} file`,
      );
    }
    checkContent = !part.local.sha256;
  } else {
    const url = remoteUrl(part.remote, ctx.env);
    display = location.downloadPath;
    if (location.localMiss) ctx.log.warn(`${location.localMiss}; using the download of ${entry.name} instead`);
    let started = false;
    const outcome = await downloadFile({
      url,
      dest: location.downloadPath,
      sha256: part.remote.sha256,
      signal: ctx.signal,
      onProgress: (done, total) => {
        if (!started) ctx.progress.start(total ?? 0, 'bytes', `download ${entry.name}`);
        started = true;
        ctx.progress.update(done);
      },
    }).catch((error: Error) => {
      if (ctx.signal.aborted) throw error;
      const local = location.localMiss ?? 'TFPIPE_DATA is not set';
      throw new DataError(
        `${error.message}; ${local}: point it at a folder holding ${part.local.path} to read ${entry.name} without a download`,
      );
    });
    if (outcome.fetched)
      ctx.log.info(
        `downloaded ${url} (${formatNumber(outcome.bytes)} bytes${outcome.resumedFrom ? `, resumed at ${formatNumber(outcome.resumedFrom)}` : ''})`,
      );
    ctx.progress.status(`read ${entry.name}`);
    rows = (await readSource(part.remote.format, location.downloadPath, entry, display, { signal: ctx.signal })).rows;
    checkContent = true;
  }
  ctx.signal.throwIfAborted();
  if (checkContent) {
    const actual = canonicalSha256(entry.canonicalForm, rows, entry.columns);
    if (actual !== part.contentSha256) {
      throw new DataError(
        `${display}: its rows, written back as ${entry.canonicalForm} text, have sha256 ${actual}, expected ${part.contentSha256}; the source differs from the published ${entry.name}`,
      );
    }
  }
  return { rows, display };
}

async function readSource(
  format: SourceFormat,
  path: string,
  entry: CatalogEntry,
  display: string,
  options: ReadOptions,
): Promise<{ rows: RawRows; sha256: string }> {
  switch (format) {
    case 'imdb-csv': {
      const { result, sha256 } = await (await import('./csv.ts')).readCsvRows(path, entry.columns, display, options);
      return { rows: result, sha256 };
    }
    case 'imdb-archive': {
      const { result, sha256 } = await readImdbArchive(path, display, options);
      return { rows: result, sha256 };
    }
    case 'wikitext-raw': {
      const { result, sha256 } = await readDecodedBuffer(path, options);
      return {
        rows: { texts: wikitextRows(result.toString('utf8')), labels: null, where: (row) => `${display}:${row + 1}` },
        sha256,
      };
    }
    case 'wikitext-parquet':
      return {
        rows: await (await import('./parquet.ts')).readParquetRows(path, { text: 'text' }, display),
        sha256: '',
      };
  }
}
