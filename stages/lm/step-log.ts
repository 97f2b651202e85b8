// The training log every `logging_steps` optimizer steps, as the HF Trainer logs it: the mean loss of the batches
// since the last row, the learning rate of the last step, the fractional epoch, and throughput in input tokens per
// second (the batches' own training time, StepInfo.seconds: not the wall time between rows, which on a GPU bunches
// up at the reads). Rows are appended to <checkpointDir>/steps.jsonl as they come, so a run resumed from a mid-epoch
// checkpoint keeps the rows up to that checkpoint's step (later ones are dropped and logged again).
// The stage writes them out as steps.csv (step, epoch, loss, lr, tokens_per_s), what the report reads.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatCsv } from '../artifacts/csv-table.ts';
import { STEPS_FILE } from '../artifacts/result-files.ts';
import { formatNumber } from '../../lib/text/number.ts';

const LOG_FILE = 'steps.jsonl';

export type StepRow = {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  tokens_per_s: number;
};

export class StepLog {
  readonly rows: StepRow[] = [];
  private lossSum = 0;
  private batches = 0;
  private tokens = 0;
  private seconds = 0;

  constructor(private readonly dir: string) {}

  /** Starts fresh (no resume) or keeps the stored rows up to `step` (resumed from a checkpoint at that step). */
  start(resumedAtStep: number | null): void {
    const path = join(this.dir, LOG_FILE);
    let stored: StepRow[] = [];
    if (resumedAtStep !== null) {
      try {
        stored = readFileSync(path, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as StepRow);
      } catch {
        stored = [];
      }
    }
    this.rows.push(...stored.filter((r) => resumedAtStep !== null && r.step <= resumedAtStep));
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(path, this.rows.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  /** One micro-batch trained: its loss, input tokens and training seconds. */
  addBatch(loss: number, inputTokens: number, seconds: number): void {
    this.lossSum += loss;
    this.batches += 1;
    this.tokens += inputTokens;
    this.seconds += seconds;
  }

  /** After optimizer step `step`: a row when it is a logging step. Returns the row written, if any. */
  afterStep(step: number, epoch: number, lr: number, every: number): StepRow | null {
    if (every <= 0 || step % every !== 0 || this.batches === 0) return null;
    const row: StepRow = {
      step,
      epoch: Math.round(epoch * 1e4) / 1e4,
      loss: this.lossSum / this.batches,
      lr,
      tokens_per_s: Math.round((this.tokens / Math.max(this.seconds, 1e-9)) * 10) / 10,
    };
    this.rows.push(row);
    Object.assign(this, { lossSum: 0, batches: 0, tokens: 0, seconds: 0 });
    appendFileSync(join(this.dir, LOG_FILE), JSON.stringify(row) + '\n');
    return row;
  }

  async writeCsv(outDir: string): Promise<void> {
    await writeFile(join(outDir, STEPS_FILE), formatCsv(this.rows));
  }
}

/** "step 50 · epoch 0.42 · loss 3.2101 · lr 4.58e-05 · 1,234 tokens/s" */
export function formatStepRow(row: StepRow): string {
  return `step ${row.step} · epoch ${row.epoch.toFixed(2)} · loss ${row.loss.toFixed(4)} · lr ${row.lr.toExponential(2)} · ${formatNumber(Math.round(row.tokens_per_s))} tokens/s`;
}
