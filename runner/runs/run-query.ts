// `tfpipe runs --filter EXPR` and `--sort KEY`, over the values run-values.ts reads:
//   parseFilter('evaluate.test_acc>0.8') → {ok, filter: {key: 'evaluate.test_acc', op: '>', value: 0.8}}
//   parseFilter('train.optimizer=adam')  → {ok, filter: {key: 'train.optimizer', op: '=', value: 'adam'}}
//   matches(0.84, filter) → true;  a run without the key matches only != (it has no value, so not that one)
//   sortRuns(records, key, {descending: true}) → best first; runs without the key last, whichever the direction
//   parseQuery(records, {filters: [...], sort: '-evaluate.test_acc'}) → both, checked against the runs' keys
import { parseSetValue } from '../spec/set.ts';
import type { RunRecord } from './record.ts';
import { resolveKey, valueOf, type RunKey } from './run-values.ts';

export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface RunFilter {
  /** As written, for messages. */
  text: string;
  key: string;
  op: FilterOp;
  /** Parsed as --set parses values: `0.05` a number, `true` a boolean, `adam` a string. */
  value: unknown;
}

const FILTER_USAGE =
  'expected KEY=VALUE, KEY!=VALUE or KEY<N (also <=, >, >=), KEY a metric (evaluate.test_acc) or a param (train.lr)';

export type FilterParse = { ok: true; filter: RunFilter } | { ok: false; error: string };

export function parseFilter(text: string): FilterParse {
  const match = /^\s*([^\s=<>!][^=<>!]*?)\s*(==|!=|<=|>=|=|<|>)\s*(\S.*?)\s*$/.exec(text);
  if (!match) return { ok: false, error: `--filter \`${text}\`: ${FILTER_USAGE}` };
  const [, key, written, valueText] = match;
  const op = (written === '==' ? '=' : written) as FilterOp;
  const value = parseSetValue(valueText);
  if (op !== '=' && op !== '!=' && typeof value !== 'number')
    return { ok: false, error: `--filter \`${text}\`: ${op} compares numbers, and \`${valueText}\` is not one` };
  return { ok: true, filter: { text, key, op, value } };
}

/** Whether a run whose value for the filter's key is `actual` passes it. */
export function matches(actual: unknown, filter: RunFilter): boolean {
  if (actual === undefined || actual === null) return filter.op === '!=';
  switch (filter.op) {
    case '=':
      return JSON.stringify(actual) === JSON.stringify(filter.value);
    case '!=':
      return JSON.stringify(actual) !== JSON.stringify(filter.value);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (typeof actual !== 'number') return false;
      const limit = filter.value as number;
      return filter.op === '<'
        ? actual < limit
        : filter.op === '<='
          ? actual <= limit
          : filter.op === '>'
            ? actual > limit
            : actual >= limit;
    }
  }
}

/** The runs by `key`, ascending unless `descending`; ties keep their order, runs without the key come last. */
export function sortRuns(
  records: readonly RunRecord[],
  key: RunKey,
  options: { descending?: boolean } = {},
): RunRecord[] {
  const sign = options.descending ? -1 : 1;
  const keyed = records.map((record) => ({ record, value: valueOf(record, key) }));
  const missing = (v: unknown) => v === undefined || v === null;
  keyed.sort((x, y) => {
    if (missing(x.value) || missing(y.value)) return Number(missing(x.value)) - Number(missing(y.value));
    return sign * compareValues(x.value, y.value);
  });
  return keyed.map((k) => k.record);
}

/** Numbers by value and before anything else; other values by their text (false before true). */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number' || typeof b === 'number') return typeof a === 'number' ? -1 : 1;
  const [x, y] = [typeof a === 'string' ? a : JSON.stringify(a), typeof b === 'string' ? b : JSON.stringify(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface RunsQuery {
  sort?: { key: RunKey; descending: boolean };
  /** The metrics the sort and the filters name, for a column each. */
  metricColumns: RunKey[];
  /** The runs that pass every filter, in the sort's order. */
  apply(records: readonly RunRecord[]): RunRecord[];
}

export interface QueryOptions {
  /** --filter expressions. */
  filters: readonly string[];
  /** --sort KEY, `-KEY` for descending. */
  sort?: string;
  /** --desc. */
  desc?: boolean;
}

/** --filter and --sort checked against `records`: a bad expression, or a key none of them has, is an error. */
export function parseQuery(
  records: readonly RunRecord[],
  options: QueryOptions,
): { ok: true; query: RunsQuery } | { ok: false; error: string } {
  const keyOf = (text: string, option: string): RunKey | string => {
    const key = resolveKey(records, text);
    if (key) return key;
    // no runs: nothing to check the key against, and nothing to list either
    if (records.length === 0) return { type: 'param', text, path: [text] };
    return `${option}: no listed run has a metric or param \`${text}\` (a metric is stage.metric, e.g. evaluate.test_acc; a param a config path, e.g. train.lr)`;
  };
  const filters: (RunFilter & { runKey: RunKey })[] = [];
  for (const text of options.filters) {
    const parsed = parseFilter(text);
    if (!parsed.ok) return parsed;
    const runKey = keyOf(parsed.filter.key, `--filter \`${text}\``);
    if (typeof runKey === 'string') return { ok: false, error: runKey };
    filters.push({ ...parsed.filter, runKey });
  }
  if (options.desc && options.sort === undefined) return { ok: false, error: '--desc goes with --sort KEY' };
  let sort: RunsQuery['sort'];
  if (options.sort !== undefined) {
    const key = keyOf(options.sort.replace(/^-/, ''), '--sort');
    if (typeof key === 'string') return { ok: false, error: key };
    sort = { key, descending: options.desc === true || options.sort.startsWith('-') };
  }
  const named = [...(sort ? [sort.key] : []), ...filters.map((f) => f.runKey)];
  const metricColumns = named.filter((k, i) => k.type === 'metric' && named.findIndex((o) => o.text === k.text) === i);
  const query: RunsQuery = {
    ...(sort ? { sort } : {}),
    metricColumns,
    apply(list) {
      const kept = list.filter((r) => filters.every((f) => matches(valueOf(r, f.runKey), f)));
      return sort ? sortRuns(kept, sort.key, sort) : kept;
    },
  };
  return { ok: true, query };
}
