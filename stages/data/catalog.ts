// Named datasets. Each part is looked up first in $TFPIPE_DATA (a folder laid out as below; CI points it at the team's
// copy of the full files) and otherwise downloaded once from its canonical source into <cacheRoot>/downloads.
//   imdb                 $TFPIPE_DATA/imdb/IMDB_Dataset.csv.gz (review, sentiment), else Stanford's
//                        aclImdb_v1.tar.gz, read in the CSV's row order (stages/data/imdb-archive.ts)
//   wikitext-2-raw-v1    $TFPIPE_DATA/wikitext-2-raw-v1/<train|valid|test>.txt.gz (the original wiki.*.raw bytes),
//                        else Hugging Face's parquet files of Salesforce/wikitext at a pinned revision
// Base URLs can be pointed elsewhere through the environment (TFPIPE_IMDB_URL, HF_ENDPOINT).
import type { CanonicalForm } from './canonical-text.ts';

export type CatalogName = 'imdb' | 'wikitext-2-raw-v1';

/** How the rows of a part are read from its local file or its download. */
export type SourceFormat = 'imdb-csv' | 'imdb-archive' | 'wikitext-raw' | 'wikitext-parquet';

export interface LocalFile {
  /** Path under $TFPIPE_DATA. */
  path: string;
  /** sha256 of the file as stored there (checked while reading); absent when not published. */
  sha256?: string;
  format: SourceFormat;
}

export interface RemoteFile {
  /** The canonical URL; `env` names a variable that replaces it (a whole URL) and `base` one that replaces its origin. */
  url: string;
  env?: { url?: string; base?: string };
  /** File name under <cacheRoot>/downloads/<dataset>/. */
  cacheName: string;
  /** sha256 of the downloaded bytes, when pinned. */
  sha256?: string;
  format: SourceFormat;
}

export interface CatalogPart {
  local: LocalFile;
  remote: RemoteFile;
  /** Row range [start, end) of the file that this part is (imdb's train and test halves); whole file if absent. */
  rows?: [number, number];
  /**
   * sha256 of the whole file's rows written back in their canonical text form (canonical-text.ts: imdb → the
   * reference CSV, wikitext → the original wiki.*.raw). Checked after reading a download, and a local file whose own
   * sha256 is not pinned, so that every source must give exactly the published rows in the published order.
   */
  contentSha256: string;
}

export interface CatalogEntry {
  name: CatalogName;
  parts: Record<string, CatalogPart>;
  defaultPart?: string;
  /** The text and label columns of the local CSV (null label: unlabelled text). */
  columns: { text: string; label?: string };
  /** Label names in id order. */
  labelNames?: string[];
  /** How contentSha256 writes the rows back (see canonical-text.ts). */
  canonicalForm: CanonicalForm;
}

export type Catalog = Record<CatalogName, CatalogEntry>;

const IMDB_CSV: LocalFile = {
  path: 'imdb/IMDB_Dataset.csv.gz',
  sha256: 'b51781aa3a6573a8ad8483b8e44ff39c59ffefc43df4bdc0a2e330dca2f6ca59',
  format: 'imdb-csv',
};
/** The uncompressed IMDB_Dataset.csv (66,212,309 bytes). */
const IMDB_CSV_TEXT_SHA256 = 'b76d06505a673565fae3963ecaf74b1c2334eb8903ea98135d4ee4ee9592a9bb';
const IMDB_ARCHIVE: RemoteFile = {
  url: 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz',
  env: { url: 'TFPIPE_IMDB_URL' },
  cacheName: 'aclImdb_v1.tar.gz',
  sha256: 'c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe',
  format: 'imdb-archive',
};

// Salesforce/wikitext at a fixed commit, so the parquet bytes cannot change under us. Their own sha256 is not
// pinned here (it could not be confirmed offline); the rows are checked instead against the published sha256 of
// the original wiki.*.raw files, which they must reproduce exactly.
const WIKITEXT_REVISION = 'b08601e04326c79dfdd32d625aee71d232d685c3';
function wikitextPart(local: string, hfSplit: string, rawSha256: string): CatalogPart {
  return {
    local: { path: `wikitext-2-raw-v1/${local}.txt.gz`, format: 'wikitext-raw' },
    remote: {
      url: `https://huggingface.co/datasets/Salesforce/wikitext/resolve/${WIKITEXT_REVISION}/wikitext-2-raw-v1/${hfSplit}-00000-of-00001.parquet`,
      env: { base: 'HF_ENDPOINT' },
      cacheName: `${hfSplit}-00000-of-00001.parquet`,
      format: 'wikitext-parquet',
    },
    contentSha256: rawSha256,
  };
}

export const CATALOG: Catalog = {
  imdb: {
    name: 'imdb',
    parts: {
      all: { local: IMDB_CSV, remote: IMDB_ARCHIVE, contentSha256: IMDB_CSV_TEXT_SHA256 },
      train: { local: IMDB_CSV, remote: IMDB_ARCHIVE, contentSha256: IMDB_CSV_TEXT_SHA256, rows: [0, 25000] },
      test: { local: IMDB_CSV, remote: IMDB_ARCHIVE, contentSha256: IMDB_CSV_TEXT_SHA256, rows: [25000, 50000] },
    },
    defaultPart: 'all',
    columns: { text: 'review', label: 'sentiment' },
    labelNames: ['negative', 'positive'],
    canonicalForm: 'csv',
  },
  'wikitext-2-raw-v1': {
    name: 'wikitext-2-raw-v1',
    parts: {
      train: wikitextPart('train', 'train', '6707892fa3788b5ab9ed78ab5ff37d9fe825f6011a2ad4fcd6a6d467f0e7da57'),
      validation: wikitextPart(
        'valid',
        'validation',
        '4cd0f6876d07a413aa911261ff6d363c72d757d47f0fdd6015702014c89cb9c7',
      ),
      test: {
        ...wikitextPart('test', 'test', '173c87a53759e0201f33e0ccf978e510c2042d7f2cb78229d9a50d79b9e7dd08'),
        local: {
          path: 'wikitext-2-raw-v1/test.txt.gz',
          sha256: 'aeb24039f80f70564e93f5f33f4479ba608581d060818ea7f3efe008b7043f6d',
          format: 'wikitext-raw',
        },
      },
    },
    columns: { text: 'text' },
    canonicalForm: 'wikitext',
  },
};

/** The URL to fetch, after the environment's overrides. */
export function remoteUrl(remote: RemoteFile, env: Readonly<Record<string, string | undefined>>): string {
  const whole = remote.env?.url ? env[remote.env.url] : undefined;
  if (whole) return whole;
  const base = remote.env?.base ? env[remote.env.base] : undefined;
  if (base) {
    const url = new URL(remote.url);
    return base.replace(/\/+$/, '') + url.pathname + url.search;
  }
  return remote.url;
}
