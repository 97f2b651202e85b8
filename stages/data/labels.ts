// Label names → ids. With `names` given, names[id] is the label and every value must be one of them; without,
// the ids follow the sorted distinct values (numerically when every value is a number, else by code point), so a
// typo'd label silently becomes a class of its own: the load stage then prints the labels it saw and warns about
// rare classes (rareLabels).
import { DataError, type RawRows } from './rows.ts';

export interface LabelIds {
  labels: Int32Array;
  labelNames: string[];
}

export function assignLabelIds(rows: RawRows, names?: readonly string[]): LabelIds {
  const values = rows.labels;
  if (!values) throw new Error('assignLabelIds: rows have no labels');
  if (!names) {
    const empty = values.indexOf('');
    if (empty >= 0)
      throw new DataError(
        `${rows.where(empty)}: the label is empty; every row needs one (or list the allowed values in \`labels\`)`,
      );
  }
  const labelNames = names ? [...names] : sortedDistinct(values);
  const ids = new Map(labelNames.map((name, id) => [name, id]));
  if (ids.size !== labelNames.length) throw new DataError(`labels: ${JSON.stringify(names)} lists a name twice`);
  const labels = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const id = ids.get(values[i]);
    if (id === undefined) {
      throw new DataError(
        `${rows.where(i)}: label ${JSON.stringify(values[i])} is not in labels [${labelNames.join(', ')}]`,
      );
    }
    labels[i] = id;
  }
  return { labels, labelNames };
}

function sortedDistinct(values: readonly string[]): string[] {
  const distinct = [...new Set(values)];
  const numeric = distinct.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
}

/**
 * The classes so small that they look like typos rather than classes: fewer than 1% of the rows, or fewer than 10
 * rows while the largest class has at least ten times as many. `counts[id]` is the rows of class id. A balanced
 * tiny file (2 and 2 rows) has none; 1 "postive" among 499 "positive" and 500 "negative" is one.
 */
export function rareLabels(counts: readonly number[]): number[] {
  const rows = counts.reduce((a, b) => a + b, 0);
  const largest = Math.max(0, ...counts);
  return counts.flatMap((n, id) =>
    counts.length > 1 && (n * 100 < rows || (n < 10 && n * 10 <= largest)) ? [id] : [],
  );
}
