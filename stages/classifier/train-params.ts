// The train stage's params (schemas/stages/train.schema.json), with the defaults the schema leaves to the code:
// output_dim (one per label), weight_decay (torch's: 0, AdamW 0.01), seed (the pipeline's).
import type { OptimizerOptions } from '../../models/train/optimizer.ts';

export interface TrainParams {
  embedding_dim?: number;
  hidden_dim?: number;
  n_layers?: number;
  bidirectional?: boolean;
  dropout?: number;
  output_dim?: number;
  optimizer?: 'sgd' | 'adam' | 'adamw';
  lr?: number;
  weight_decay?: number;
  betas?: [number, number];
  eps?: number;
  momentum?: number;
  nesterov?: boolean;
  batch_size?: number;
  epochs?: number;
  seed?: number;
  shuffle?: boolean;
  clip_grad_norm?: number;
  keep_best?: boolean;
  eval_batch_size?: number;
}

export interface TrainSettings {
  model: { embeddingDim: number; hiddenDim: number; nLayers: number; bidirectional: boolean; dropout: number; outputDim: number | null };
  optimizer: OptimizerOptions;
  batchSize: number;
  epochs: number;
  seed: number;
  shuffle: boolean;
  clipGradNorm: number | undefined;
  keepBest: boolean;
  evalBatchSize: number;
}

/** Params with defaults filled; `pipelineSeed` is the default seed. Throws on combinations the schema cannot express. */
export function resolveTrainParams(stageId: string, params: TrainParams, pipelineSeed: number): TrainSettings {
  const where = `stage ${stageId}`;
  const name = params.optimizer ?? 'adam';
  const lr = params.lr ?? 1e-3;
  let optimizer: OptimizerOptions;
  if (name === 'sgd') {
    if (params.betas !== undefined || params.eps !== undefined) throw new Error(`${where}: betas and eps are for adam and adamw, not sgd`);
    optimizer = { name, lr, momentum: params.momentum ?? 0, nesterov: params.nesterov ?? false, weightDecay: params.weight_decay ?? 0 };
  } else {
    if (params.momentum !== undefined || params.nesterov !== undefined) throw new Error(`${where}: momentum and nesterov are for sgd, not ${name}`);
    optimizer = { name, lr, betas: params.betas ?? [0.9, 0.999], eps: params.eps ?? 1e-8, weightDecay: params.weight_decay ?? (name === 'adamw' ? 1e-2 : 0) };
  }
  return {
    model: {
      embeddingDim: params.embedding_dim ?? 128,
      hiddenDim: params.hidden_dim ?? 128,
      nLayers: params.n_layers ?? 1,
      bidirectional: params.bidirectional ?? false,
      dropout: params.dropout ?? 0,
      outputDim: params.output_dim ?? null,
    },
    optimizer,
    batchSize: params.batch_size ?? 64,
    epochs: params.epochs ?? 5,
    seed: params.seed ?? pipelineSeed,
    shuffle: params.shuffle ?? true,
    clipGradNorm: params.clip_grad_norm,
    keepBest: params.keep_best ?? false,
    evalBatchSize: params.eval_batch_size ?? 256,
  };
}

/** The output size for `labels` label names: as given (checked), else one logit per label. */
export function resolveOutputDim(stageId: string, outputDim: number | null, labelNames: readonly string[]): number {
  const classes = labelNames.length;
  if (classes < 2) throw new Error(`stage ${stageId}: a classifier needs at least 2 labels; the data has ${classes} (${labelNames.join(', ') || 'none'})`);
  if (outputDim === null) return classes;
  if (outputDim === 1 && classes !== 2) {
    throw new Error(`stage ${stageId}: output_dim 1 (one logit, BCE-with-logits) needs 2 labels; the data has ${classes} (${labelNames.join(', ')})`);
  }
  if (outputDim !== 1 && outputDim < classes) {
    throw new Error(`stage ${stageId}: output_dim ${outputDim} is fewer than the data's ${classes} labels (${labelNames.join(', ')}); use 1 (binary) or ≥ ${classes}`);
  }
  return outputDim;
}
