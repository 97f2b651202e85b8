// Causal-LM training for finetune (all weights) and lora (the adapters only) on models/train's fitModel: the
// Trainer's AdamW groups, the lr schedule per optimizer step, clipping, accumulation, the valid loss and
// perplexity after each epoch, the steps log, and checkpoints every `checkpoint_every` steps and at each epoch end
// (ctx.checkpointDir), from which an interrupted run resumes mid-epoch with bit-identical results.
import type { Tokens } from '../artifacts/tokens.ts';
import { readTokenParts } from '../artifacts/tokens.ts';
import type { ArtifactRef, StageContext, StageResult } from '../stage.ts';
import type { Gpt2Model } from '../../models/gpt2/model.ts';
import { gpt2Trainable } from '../../models/gpt2/trainable.ts';
import { fitModel, type FitResult, type HistoryRow } from '../../models/train/loop.ts';
import type { Params } from '../../models/train/optimizer.ts';
import { checkLmTokens, countLmTokens, makeLmBatch, type LmBatch, type PadLabels } from './lm-batches.ts';
import { createTrainerAdamW } from './param-groups.ts';
import { measurePerplexity } from './perplexity.ts';
import { formatStepRow, StepLog } from './step-log.ts';
import { scheduledLr, type LmTrainSettings } from './train-params.ts';
import { formatNumber } from '../../lib/text/number.ts';

export interface LmData {
  train: Tokens;
  valid: Tokens;
}

export interface LmFitOutcome {
  result: FitResult;
  steps: StepLog;
  metrics: NonNullable<StageResult['metrics']>;
  summary: string[];
}

/**
 * The train part of `data` (a tokenize stage of a split) and the valid part: of the `valid` input when given (its
 * valid part, or the single part it is), else of `data`. Checked against the model.
 */
export async function readLmTrainingTokens(
  ctx: StageContext,
  data: ArtifactRef | undefined,
  model: Gpt2Model,
  validRef?: ArtifactRef,
): Promise<LmData> {
  const where = `stage ${ctx.stageId}`;
  if (!data) throw new Error(`${where}: no \`data\` input; name a tokenize stage (mode bpe) whose input was a split`);
  const parts = await readTokenParts(data.dir);
  const train = parts.train ?? (validRef ? parts.whole : undefined);
  const validParts = validRef ? await readTokenParts(validRef.dir) : parts;
  const valid = validRef ? (validParts.valid ?? validParts.whole) : parts.valid;
  if (!train)
    throw new Error(
      `${where}: input ${data.stage}.${data.output} has ${describeParts(parts)}; training needs a train part (tokenize a split stage's output)`,
    );
  if (!valid) {
    const from = validRef ?? data;
    throw new Error(
      `${where}: input ${from.stage}.${from.output} has ${describeParts(validParts)} and no valid part; tokenize a split with a valid part, or name the valid tokens in \`valid\``,
    );
  }
  checkLmTokens(where, 'train', train, model.config);
  checkLmTokens(where, 'valid', valid, model.config);
  if (train.rows === 0) throw new Error(`${where}: the train part has no rows (fewer tokens than one block?)`);
  return { train, valid };
}

function describeParts(parts: Record<string, unknown>): string {
  const names = Object.keys(parts);
  return names.join(',') === 'whole' ? 'a single part' : `parts ${names.join(', ') || 'none'}`;
}

export async function fitLm(
  ctx: StageContext,
  settings: LmTrainSettings,
  model: Gpt2Model,
  trainable: Params,
  data: LmData,
  compat: Record<string, unknown>,
): Promise<LmFitOutcome> {
  const { train, valid } = data;
  const optimizer = createTrainerAdamW({
    lr: settings.lr,
    betas: settings.betas,
    eps: settings.eps,
    weightDecay: settings.weightDecay,
  });
  const batches = Math.ceil(train.rows / settings.batchSize);
  const stepsPerEpoch = Math.ceil(batches / settings.accumulate);
  const totalSteps = stepsPerEpoch * settings.epochs;
  const steps = new StepLog(ctx.checkpointDir);
  let lastStep = 0;
  const batchTokens: number[] = []; // input tokens of the batches made and not yet reported (onStep comes in order)
  let resumedAtStep: number | null = null;
  const { checkpointEvery, ...trained } = settings; // when checkpoints are written changes nothing they hold
  try {
    const result = await fitModel<LmBatch>({
      ...gpt2Trainable(model, trainable),
      optimizer,
      epochs: settings.epochs,
      examples: train.rows,
      batchSize: settings.batchSize,
      shuffle: settings.shuffle,
      seed: settings.seed,
      accumulate: settings.accumulate,
      maxGradNorm: settings.maxGradNorm ?? undefined,
      lrAt: (step) => scheduledLr(settings, totalSteps, step),
      checkpoint: {
        dir: ctx.checkpointDir,
        everySteps: checkpointEvery,
        compat: { ...compat, settings: trained, totalSteps },
      },
      signal: ctx.signal,
      log: (message) => ctx.log.info(message),
      onStart: (from) => {
        resumedAtStep = from?.step ?? null;
        lastStep = from?.step ?? 0;
        steps.start(resumedAtStep);
      },
      makeBatch: (rows) => {
        const batch = makeLmBatch(train, rows, settings.pads);
        batchTokens.push(batch.inputTokens);
        return batch;
      },
      evaluate: async (epoch): Promise<Record<string, number>> => {
        if (valid.rows === 0) return {};
        ctx.progress.start(valid.rows, 'rows', `epoch ${epoch}/${settings.epochs} valid`);
        const p = await measurePerplexity(model, valid, {
          batchSize: settings.evalBatchSize,
          signal: ctx.signal,
          onBatch: (done) => ctx.progress.update(done),
        });
        return {
          valid_loss: p.loss,
          valid_perplexity: p.perplexity,
          valid_perplexity_per_input_token: p.perplexityPerInputToken,
        };
      },
      onEpochStart: (epoch, count, firstBatch) => {
        ctx.progress.start(count, 'batches', `epoch ${epoch}/${settings.epochs}`, {
          done: epoch - 1,
          total: settings.epochs,
        });
        if (firstBatch > 0) ctx.progress.update(firstBatch);
      },
      onStep: (info) => {
        steps.addBatch(info.loss, batchTokens.shift() ?? 0, info.seconds);
        if (info.step > lastStep) {
          lastStep = info.step;
          const row = steps.afterStep(
            info.step,
            info.epoch - 1 + (info.batch + 1) / info.batches,
            info.lr,
            settings.loggingSteps,
          );
          if (row) ctx.log.info(formatStepRow(row));
        }
        ctx.progress.update(info.batch + 1, `loss ${info.running.loss.toFixed(4)}`);
      },
      onEpoch: (row) => ctx.progress.status(formatLmEpoch(row)),
    });
    return { result, steps, ...summarise(result, train, settings.pads, resumedAtStep) };
  } finally {
    optimizer.dispose();
  }
}

/** "Epoch 1: train loss 3.2101 | valid loss 3.0456 perplexity 21.02 (812.3 tokens/s)" */
export function formatLmEpoch(row: HistoryRow): string {
  const valid =
    row.valid_loss !== undefined
      ? ` | valid loss ${row.valid_loss.toFixed(4)} perplexity ${row.valid_perplexity.toFixed(2)}`
      : '';
  return `Epoch ${row.epoch}: train loss ${row.train_loss.toFixed(4)}${valid}`;
}

function summarise(
  result: FitResult,
  train: Tokens,
  pads: PadLabels,
  resumedAtStep: number | null,
): Pick<LmFitOutcome, 'metrics' | 'summary'> {
  const { history } = result;
  const { targets, inputTokens } = countLmTokens(train, pads);
  // fitModel's samples_per_s counts the loss's counted targets per second of training (evaluation excluded).
  const trainSeconds = history.reduce((s, r) => s + targets / r.samples_per_s, 0);
  const last = history[history.length - 1];
  const trainTokens = inputTokens * history.length;
  const tokensPerS = Math.round((trainTokens / Math.max(trainSeconds, 1e-9)) * 10) / 10;
  const metrics: NonNullable<StageResult['metrics']> = {
    epochs: history.length,
    steps: result.steps,
    train_loss: last.train_loss,
    ...(last.valid_loss !== undefined ? { valid_loss: last.valid_loss, valid_perplexity: last.valid_perplexity } : {}),
    train_seconds: Math.round(trainSeconds * 1000) / 1000,
    train_tokens: trainTokens,
    tokens_per_s: tokensPerS,
  };
  const summary = history.map(formatLmEpoch);
  if (resumedAtStep !== null) summary.push(`resumed from a checkpoint at step ${resumedAtStep}`);
  summary.push(
    `${formatNumber(trainTokens)} training tokens in ${trainSeconds.toFixed(1)} s (${formatNumber(Math.round(tokensPerS))} tokens/s)`,
  );
  return { metrics, summary };
}
