// The `split` stage: one dataset in, a `splits` folder out (train/, valid/, test/ datasets; an empty part is written
// with 0 rows so every declared output exists). Which rows go where is computeSplitIndices (stages/data/split-indices.ts);
// `head` then keeps the first rows of each part, unshuffled, as datasets' `select(range(len // 10))` does.
import { join } from 'node:path';
import type { Stage, StageContext, ArtifactRef, StageResult } from './stage.ts';
import { readDataset, selectRows, writeDataset, SPLIT_PARTS, type SplitPart } from './artifacts/dataset.ts';
import {
  computeSplitIndices,
  isFraction,
  isRowCount,
  type SplitMethod,
  type SplitIndices,
} from './data/split-indices.ts';
import { formatNumber } from '../lib/text/number.ts';

/** The schema fills in method and stratify (ajv); the sizes, seed and head have no constant default. */
export interface SplitParams {
  method: SplitMethod;
  train?: number;
  valid?: number;
  test?: number;
  /** Seed of the shuffle (sklearn's random_state); default: the stage's seed (ctx.rng.seed). */
  seed?: number;
  stratify: boolean;
  /** Keep the first N rows (>= 1) or floor(len × fraction) rows (< 1) of every part, or per part. */
  head?: number | Partial<Record<SplitPart, number>>;
}

export const splitStage: Stage<SplitParams> = {
  kind: 'split',
  version: 1,
  compute: false,
  async run(ctx: StageContext, params: SplitParams, inputs: Record<string, ArtifactRef>): Promise<StageResult> {
    const input = inputs.input;
    if (!input) throw new Error(`split ${ctx.stageId}: no input dataset (the \`input\` key names the upstream stage)`);
    const data = await readDataset(input.dir);
    ctx.signal.throwIfAborted();
    const method = params.method;
    const seed = params.seed ?? ctx.rng.seed >>> 0;
    const indices = computeSplitIndices(data.texts.length, data.labels, {
      method,
      train: params.train,
      valid: params.valid,
      test: params.test,
      seed,
      stratify: params.stratify,
    });
    const kept = applyHead(indices, params.head, (message) => ctx.log.warn(`split ${ctx.stageId}: ${message}`));
    ctx.progress.start(SPLIT_PARTS.length, 'parts', 'write');
    for (const [done, part] of SPLIT_PARTS.entries()) {
      ctx.signal.throwIfAborted();
      await writeDataset(join(ctx.outDir, part), selectRows(data, kept[part]));
      ctx.progress.update(done + 1);
    }
    const counts = SPLIT_PARTS.map((part) => `${part} ${formatNumber(kept[part].length)}`).join(' · ');
    return {
      metrics: { train_rows: kept.train.length, valid_rows: kept.valid.length, test_rows: kept.test.length, seed },
      summary: [
        `${counts} of ${formatNumber(data.texts.length)} rows (${method}${params.stratify ? ', stratified' : ''}, seed ${seed})`,
      ],
    };
  },
};

/** The first rows of each part that `head` keeps; a count larger than the part keeps it whole (with a warning). */
export function applyHead(
  indices: SplitIndices,
  head: SplitParams['head'],
  warn: (message: string) => void,
): SplitIndices {
  if (head === undefined) return indices;
  const out = { ...indices };
  for (const part of SPLIT_PARTS) {
    const size = typeof head === 'number' ? head : head[part];
    if (size === undefined) continue;
    const rows = indices[part].length;
    let keep: number;
    if (isFraction(size)) keep = Math.floor(rows * size);
    else if (isRowCount(size)) keep = size;
    else throw new Error(`split: head for ${part} is ${size}; give a fraction in (0, 1) or a whole number of rows`);
    if (keep > rows) {
      if (rows > 0) warn(`head ${keep} is more than the ${rows} rows of ${part}; keeping all of them`);
      keep = rows;
    }
    out[part] = indices[part].slice(0, keep);
  }
  return out;
}
