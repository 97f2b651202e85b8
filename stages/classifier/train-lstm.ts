// The train stage's work for the seed's LSTM classifier (see stages/train.ts and schemas/stages/train.schema.json):
// read the train/valid tokens, build the model, fit it with models/train/loop.ts (checkpoints in ctx.checkpointDir),
// write the model artifact, history.csv and metrics.json, and report per-epoch lines as the homework logs them.
import type { Tokens } from '../artifacts/tokens.ts';
import { readTokenParts } from '../artifacts/tokens.ts';
import { readVocab, type Vocab } from '../artifacts/vocab.ts';
import { wordTokenizerOf } from '../artifacts/word-tokenizer.ts';
import { loadStopwords } from '../text/stopwords.ts';
import type { ArtifactRef, StageContext, StageResult } from '../stage.ts';
import { makeClassifierBatch, predictClassifier } from './classifier-batches.ts';
import { writeLstmModel } from './model-artifact.ts';
import { writeHistoryCsv, writeMetricsJson } from '../artifacts/result-files.ts';
import { resolveOutputDim, resolveTrainParams, type TrainParams, type TrainSettings } from './train-params.ts';
import type { LstmConfig } from '../../models/lstm/config.ts';
import { createLstmClassifier, disposeLstm, type LstmClassifier } from '../../models/lstm/model.ts';
import { lstmTrainable } from '../../models/lstm/trainable.ts';
import { createOptimizer } from '../../models/train/create-optimizer.ts';
import { fitModel, type FitResult, type HistoryRow } from '../../models/train/loop.ts';
import { mixSeed } from '../../models/train/seeds.ts';

/** Seed label of the weight initialisation (the rest of the run's draws derive from (seed, epoch, batch)). */
const INIT_SEED_TAG = 0x1417;

/** The train stage's work (stages/train.ts holds the light Stage object, so that cached runs skip TensorFlow.js). */
export async function trainLstm(
  ctx: StageContext,
  params: TrainParams,
  inputs: Record<string, ArtifactRef>,
): Promise<StageResult> {
  const settings = resolveTrainParams(ctx.stageId, params, ctx.rng.seed);
  const { train, valid } = await readTrainingTokens(ctx, inputs.data);
  const vocab = await readTrainingVocab(ctx, train, inputs.vocab);
  const config = modelConfig(ctx, settings, train, vocab);
  if (settings.keepBest && valid.rows === 0)
    throw new Error(`stage ${ctx.stageId}: keep_best picks the epoch by valid loss, but the valid part is empty`);

  const model = createLstmClassifier(config, mixSeed(settings.seed, INIT_SEED_TAG));
  const optimizer = createOptimizer(settings.optimizer);
  try {
    const result = await fitLstm(ctx, settings, model, optimizer, train, valid);
    const tokenizer = wordTokenizerOf(vocab, await loadStopwords(vocab.normalization.stopwords), train.width);
    await writeLstmModel(ctx.outDir, model, train.labelNames, tokenizer);
    await writeHistoryCsv(ctx.outDir, result.history);
    const outcome = summarise(result, settings, train.rows);
    await writeMetricsJson(ctx.outDir, { ...outcome.metrics, label_names: train.labelNames });
    return outcome;
  } finally {
    optimizer.dispose();
    disposeLstm(model);
  }
}

async function readTrainingTokens(
  ctx: StageContext,
  data: ArtifactRef | undefined,
): Promise<{ train: Tokens; valid: Tokens }> {
  const where = `stage ${ctx.stageId}`;
  if (!data) throw new Error(`${where}: no \`data\` input; name a tokenize stage whose input was a split`);
  const parts = await readTokenParts(data.dir);
  const { train, valid } = parts;
  if (!train || !valid) {
    const has = Object.keys(parts).join(', ');
    throw new Error(
      `${where}: input ${data.stage}.${data.output} has ${has === 'whole' ? 'a single part' : `parts ${has}`}; train needs train and valid parts (tokenize a split stage's output)`,
    );
  }
  for (const [name, t] of [
    ['train', train],
    ['valid', valid],
  ] as const) {
    if (t.mode !== 'word' || t.labelKind !== 'class')
      throw new Error(
        `${where}: the ${name} tokens are ${t.mode} tokens with ${t.labelKind} labels; the LSTM classifier needs word tokens with class labels`,
      );
  }
  if (valid.labelNames.join('\n') !== train.labelNames.join('\n'))
    throw new Error(`${where}: train and valid label names differ (${train.labelNames} vs ${valid.labelNames})`);
  if (train.rows === 0) throw new Error(`${where}: the train part has no rows`);
  return { train, valid };
}

/** The vocab the train tokens were made with (its size and pad id must agree with theirs). */
async function readTrainingVocab(ctx: StageContext, train: Tokens, vocabRef: ArtifactRef | undefined): Promise<Vocab> {
  const where = `stage ${ctx.stageId}`;
  if (!vocabRef) throw new Error(`${where}: no \`vocab\` input; name the vocab stage the tokens were made with`);
  const vocab = await readVocab(vocabRef.dir);
  if (train.vocabSize !== vocab.tokens.length || train.padId !== vocab.padIndex) {
    throw new Error(
      `${where}: the tokens were made with a vocab of ${train.vocabSize} (pad ${train.padId}), not ${vocabRef.stage}'s ${vocab.tokens.length} (pad ${vocab.padIndex})`,
    );
  }
  return vocab;
}

function modelConfig(ctx: StageContext, settings: TrainSettings, train: Tokens, vocab: Vocab): LstmConfig {
  return {
    vocabSize: vocab.tokens.length,
    padIndex: vocab.padIndex,
    ...settings.model,
    outputDim: resolveOutputDim(ctx.stageId, settings.model.outputDim, train.labelNames),
  };
}

async function fitLstm(
  ctx: StageContext,
  settings: TrainSettings,
  model: LstmClassifier,
  optimizer: ReturnType<typeof createOptimizer>,
  train: Tokens,
  valid: Tokens,
): Promise<FitResult> {
  const epochs = settings.epochs;
  return fitModel({
    ...lstmTrainable(model), // the correct count stays on the device until fitModel reads a group of batches
    optimizer,
    epochs,
    examples: train.rows,
    batchSize: settings.batchSize,
    shuffle: settings.shuffle,
    seed: settings.seed,
    maxGradNorm: settings.clipGradNorm,
    keepBest: settings.keepBest ? { metric: 'valid_loss', mode: 'min' } : undefined,
    checkpoint: {
      dir: ctx.checkpointDir,
      compat: { model: model.config, optimizer: settings.optimizer, seed: settings.seed },
    },
    signal: ctx.signal,
    log: (message) => ctx.log.info(message),
    makeBatch: (rows) => makeClassifierBatch(train, rows),
    evaluate: async (epoch): Promise<Record<string, number>> => {
      if (valid.rows === 0) return {};
      ctx.progress.start(valid.rows, 'rows', `epoch ${epoch}/${epochs} valid`);
      const p = await predictClassifier(model, valid, {
        batchSize: settings.evalBatchSize,
        signal: ctx.signal,
        onBatch: (done) => ctx.progress.update(done),
      });
      return { valid_loss: p.loss, valid_acc: p.correct / valid.rows };
    },
    onEpochStart: (epoch, batches, firstBatch) => {
      ctx.progress.start(batches, 'batches', `epoch ${epoch}/${epochs}`, { done: epoch - 1, total: epochs });
      if (firstBatch > 0) ctx.progress.update(firstBatch);
    },
    onStep: ({ batch, running }) =>
      ctx.progress.update(batch + 1, `loss ${running.loss.toFixed(4)} acc ${running.acc.toFixed(4)}`),
    onEpoch: (row) => ctx.progress.status(formatEpoch(row)),
  });
}

/** "Epoch 1: train loss 0.5213 acc 0.7402 | valid loss 0.4100 acc 0.8200 (61.3 samples/s)", as the homework logs. */
export function formatEpoch(row: HistoryRow): string {
  const valid =
    row.valid_loss !== undefined ? ` | valid loss ${row.valid_loss.toFixed(4)} acc ${row.valid_acc.toFixed(4)}` : '';
  return `Epoch ${row.epoch}: train loss ${row.train_loss.toFixed(4)} acc ${row.train_acc.toFixed(4)}${valid} (${row.samples_per_s.toFixed(1)} samples/s)`;
}

function summarise(
  result: FitResult,
  settings: TrainSettings,
  trainRows: number,
): StageResult & { metrics: NonNullable<StageResult['metrics']> } {
  const { history } = result;
  const last = history[history.length - 1];
  const withValid = history.filter((r) => r.valid_loss !== undefined);
  const best = withValid.reduce<HistoryRow | undefined>(
    (b, r) => (b === undefined || r.valid_loss < b.valid_loss ? r : b),
    undefined,
  );
  const trainSeconds = history.reduce((s, r) => s + trainRows / r.samples_per_s, 0);
  const metrics: NonNullable<StageResult['metrics']> = {
    epochs: history.length,
    train_loss: last.train_loss,
    train_acc: last.train_acc,
    ...(last.valid_loss !== undefined ? { valid_loss: last.valid_loss, valid_acc: last.valid_acc } : {}),
    ...(best ? { best_epoch: best.epoch, best_valid_loss: best.valid_loss, best_valid_acc: best.valid_acc } : {}),
    train_samples_per_s: Math.round(((trainRows * history.length) / trainSeconds) * 10) / 10,
  };
  const summary = history.map(formatEpoch);
  if (result.resumedFrom) summary.push(`resumed after epoch ${result.resumedFrom.epochsDone} from a checkpoint`);
  if (settings.keepBest && result.bestEpoch !== null)
    summary.push(`kept the weights of epoch ${result.bestEpoch} (lowest valid loss)`);
  return { metrics, summary };
}
