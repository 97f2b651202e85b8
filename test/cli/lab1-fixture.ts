// A test-sized lab 1 for CLI tests: the pipeline text (pipelines/lab1.yaml's stages — load → split → vocab →
// tokenize → train → evaluate — over a reviews.csv in the project, every size cut down) with per-test changes, and
// the labelled reviews it reads.

type Value = string | number | boolean | Record<string, string>;
/** Params merged over a stage's (or the top level's) defaults; a param set to undefined is left out. */
type Changes = Record<string, Value | undefined>;

export type Lab1StageId = 'load' | 'split' | 'vocab' | 'tokenize' | 'train' | 'evaluate';

export interface Lab1Options {
  /** Default lab1. */
  name?: string;
  /** Top-level keys after `name` (default `seed: 0`). */
  top?: Changes;
  /** The load stage's id: `imdb` as in pipelines/lab1.yaml unless named. */
  loadId?: string;
  /** Per stage, params changed from the defaults below. */
  stages?: Partial<Record<Lab1StageId, Changes>>;
}

/** pipelines/lab1.yaml's settings at test size (min_freq 2 for a small vocabulary, lr 0.05 so 2 epochs learn). */
function defaultStages(loadId: string): Record<Lab1StageId, Changes> {
  return {
    load: { kind: 'load', path: 'reviews.csv', columns: { text: 'review', label: 'sentiment' } },
    split: { kind: 'split', input: loadId, method: 'sklearn', test: 0.2, valid: 0.125, seed: 12 },
    vocab: { kind: 'vocab', input: 'split', min_freq: 2 },
    tokenize: { kind: 'tokenize', input: 'split', vocab: 'vocab', mode: 'word', max_length: 32 },
    train: {
      kind: 'train',
      data: 'tokenize',
      vocab: 'vocab',
      embedding_dim: 8,
      hidden_dim: 8,
      n_layers: 1,
      bidirectional: false,
      dropout: 0.5,
      optimizer: 'adam',
      lr: 0.05,
      batch_size: 32,
      clip_grad_norm: 1.0,
      epochs: 2,
      keep_best: true,
    },
    evaluate: {
      kind: 'evaluate',
      model: 'train',
      data: 'tokenize.test',
      texts: 'split.test',
      examples: 2,
      label_title: 'Sentiment',
    },
  };
}

/**
 * The YAML text of a test-sized lab1 pipeline with `options`' changes, one `key: value` a line:
 *   lab1Pipeline({ name: 'x', stages: { vocab: { min_freq: 1, stopwords: 'none' }, train: { keep_best: undefined } } })
 */
export function lab1Pipeline(options: Lab1Options = {}): string {
  const loadId = options.loadId ?? 'imdb';
  const defaults = defaultStages(loadId);
  const lines = ['# yaml-language-server: $schema=../schemas/pipeline.schema.json', `name: ${options.name ?? 'lab1'}`];
  lines.push(...formatEntries({ seed: 0, ...options.top }, ''), 'stages:');
  for (const id of Object.keys(defaults) as Lab1StageId[]) {
    lines.push(
      `  ${id === 'load' ? loadId : id}:`,
      ...formatEntries({ ...defaults[id], ...options.stages?.[id] }, '    '),
    );
  }
  return `${lines.join('\n')}\n`;
}

function formatEntries(entries: Changes, indent: string): string[] {
  return Object.entries(entries)
    .filter((entry): entry is [string, Value] => entry[1] !== undefined)
    .map(([key, value]) => `${indent}${key}: ${formatValue(value)}`);
}

function formatValue(value: Value): string {
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${formatValue(v)}`)
      .join(', ')}}`;
  return typeof value === 'string' && !/^[\w./-]+$/.test(value) ? JSON.stringify(value) : String(value);
}

/** Rows of a reviewsCsv whose load takes seconds (about 20 MB to parse): long enough to kill a run in the middle. */
export const SLOW_LOAD_ROWS = 300_000;

/**
 * `rows` lines of review,sentiment with a learnable, noisy signal: each word is a sentiment word 30% of the time (1
 * in 3 of those of the opposite sentiment), else a neutral one; 6 to 17 words; labels balanced by chance.
 * Deterministic (the high bits of a 32-bit LCG).
 */
export function reviewsCsv(rows: number): string {
  const positive = ['good', 'great', 'superb', 'fine', 'lovely', 'moving'];
  const negative = ['bad', 'awful', 'boring', 'dull', 'weak', 'poor'];
  const neutral = ['movie', 'film', 'plot', 'actor', 'scene', 'story', 'the', 'a', 'was', 'and', 'it', 'this'];
  let state = 11;
  const draw = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 16) % n;
  };
  const lines = ['review,sentiment'];
  for (let i = 0; i < rows; i++) {
    const isPositive = draw(2) === 1;
    const words = Array.from({ length: 6 + draw(12) }, () => {
      const r = draw(10);
      if (r >= 3) return neutral[draw(neutral.length)];
      const agrees = r > 0;
      return (agrees === isPositive ? positive : negative)[draw(6)];
    });
    lines.push(`${words.join(' ')},${isPositive ? 'positive' : 'negative'}`);
  }
  return `${lines.join('\n')}\n`;
}
