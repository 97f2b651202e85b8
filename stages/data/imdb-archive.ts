// IMDB rows from Stanford's aclImdb_v1.tar.gz, in the row order of the catalog's IMDB_Dataset.csv (stages/data/catalog.ts):
// train/pos, train/neg, test/pos, test/neg, each sorted by the numeric review id of `<id>_<rating>.txt`.
// text = the file's bytes as UTF-8 (nothing stripped); label = "positive" for pos/, "negative" for neg/.
// Everything else in the archive (train/unsup, vocab, urls) is skipped.
import { readDecoded, type ReadOptions, type ReadOutcome } from './read-file.ts';
import { walkTar } from './tar.ts';
import { DataError, type RawRows } from './rows.ts';

const GROUPS = ['train/pos', 'train/neg', 'test/pos', 'test/neg'] as const;
const REVIEW = /^(?:\.\/)?aclImdb\/(train|test)\/(pos|neg)\/(\d+)_(\d+)\.txt$/;

interface Review {
  id: number;
  text: string;
}

export async function readImdbArchive(
  path: string,
  display: string,
  options: ReadOptions = {},
): Promise<ReadOutcome<RawRows>> {
  return readDecoded(path, (chunks) => collectImdbRows(chunks, display), options);
}

export async function collectImdbRows(chunks: AsyncIterable<Uint8Array>, display: string): Promise<RawRows> {
  const groups = new Map<string, Review[]>(GROUPS.map((g) => [g, []]));
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  await walkTar(
    chunks,
    (entry) => REVIEW.test(entry.name),
    (entry, data) => {
      const [, split, polarity, id] = REVIEW.exec(entry.name)!;
      let text: string;
      try {
        text = decoder.decode(data);
      } catch {
        throw new DataError(`${display}: ${entry.name} is not valid UTF-8`);
      }
      groups.get(`${split}/${polarity}`)!.push({ id: Number(id), text });
    },
  );
  const texts: string[] = [];
  const labels: string[] = [];
  const sources: string[] = [];
  for (const group of GROUPS) {
    const reviews = groups.get(group)!.sort((a, b) => a.id - b.id);
    for (const review of reviews) {
      texts.push(review.text);
      labels.push(group.endsWith('pos') ? 'positive' : 'negative');
      sources.push(`${group}/${review.id}`);
    }
  }
  if (texts.length === 0)
    throw new DataError(`${display}: no aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt files in the archive`);
  return { texts, labels, where: (row) => `${display} (${sources[row]})` };
}
