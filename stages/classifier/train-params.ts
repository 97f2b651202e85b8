// The train stage's params (schemas/stages/train.schema.json). Every constant default is the schema's, filled in by
// ajv before the stage sees its params, the optimizer's own ones too (its allOf: momentum and nesterov for sgd, betas
// and eps for adam and adamw; weight_decay torch's 0, AdamW's 0.01). Left to the code are the defaults that are not
// constants: output_dim (one per label) and seed (the pipeline's); clip_grad_norm absent means no clipping.
import type { OptimizerOptions } from '../../models/train/optimizer.ts';

interface CommonTrainParams {
  embedding_dim: number;
  hidden_dim: number;
  n_layers: number;
  bidirectional: boolean;
  dropout: number;
  output_dim?: number;
  lr: number;
  weight_decay: number;
  batch_size: number;
  epochs: number;
  seed?: number;
  shuffle: boolean;
  clip_grad_norm?: number;
  keep_best: boolean;
  eval_batch_size: number;
}

/** The optimizer's keys as the schema fills them in: each rule's own, and the other rule's only when written. */
type OptimizerParams =
  | { optimizer: 'sgd'; momentum: number; nesterov: boolean; betas?: [number, number]; eps?: number }
  | { optimizer: 'adam' | 'adamw'; betas: [number, number]; eps: number; momentum?: number; nesterov?: boolean };

export type TrainParams = CommonTrainParams & OptimizerParams;

export interface TrainSettings {
  model: {
    embeddingDim: number;
    hiddenDim: number;
    nLayers: number;
    bidirectional: boolean;
    dropout: number;
    outputDim: number | null;
  };
  optimizer: OptimizerOptions;
  batchSize: number;
  epochs: number;
  seed: number;
  shuffle: boolean;
  clipGradNorm: number | undefined;
  keepBest: boolean;
  evalBatchSize: number;
}

/** Params (defaults filled by the schema) as settings; `pipelineSeed` is the default seed. Throws on combinations the schema cannot express. */
export function resolveTrainParams(stageId: string, params: TrainParams, pipelineSeed: number): TrainSettings {
  const where = `stage ${stageId}`;
  const { lr, weight_decay: weightDecay } = params;
  let optimizer: OptimizerOptions;
  if (params.optimizer === 'sgd') {
    if (params.betas !== undefined || params.eps !== undefined)
      throw new Error(`${where}: betas and eps are for adam and adamw, not sgd`);
    optimizer = { name: 'sgd', lr, momentum: params.momentum, nesterov: params.nesterov, weightDecay };
  } else {
    const name = params.optimizer;
    if (params.momentum !== undefined || params.nesterov !== undefined)
      throw new Error(`${where}: momentum and nesterov are for sgd, not ${name}`);
    optimizer = { name, lr, betas: params.betas, eps: params.eps, weightDecay };
  }
  return {
    model: {
      embeddingDim: params.embedding_dim,
      hiddenDim: params.hidden_dim,
      nLayers: params.n_layers,
      bidirectional: params.bidirectional,
      dropout: params.dropout,
      outputDim: params.output_dim ?? null,
    },
    optimizer,
    batchSize: params.batch_size,
    epochs: params.epochs,
    seed: params.seed ?? pipelineSeed,
    shuffle: params.shuffle,
    clipGradNorm: params.clip_grad_norm,
    keepBest: params.keep_best,
    evalBatchSize: params.eval_batch_size,
  };
}

/** The output size for `labels` label names: as given (checked), else one logit per label. */
export function resolveOutputDim(stageId: string, outputDim: number | null, labelNames: readonly string[]): number {
  const classes = labelNames.length;
  if (classes < 2)
    throw new Error(
      `stage ${stageId}: a classifier needs at least 2 labels; the data has ${classes} (${labelNames.join(', ') || 'none'})`,
    );
  if (outputDim === null) return classes;
  if (outputDim === 1 && classes !== 2) {
    throw new Error(
      `stage ${stageId}: output_dim 1 (one logit, BCE-with-logits) needs 2 labels; the data has ${classes} (${labelNames.join(', ')})`,
    );
  }
  if (outputDim !== 1 && outputDim < classes) {
    throw new Error(
      `stage ${stageId}: output_dim ${outputDim} is fewer than the data's ${classes} labels (${labelNames.join(', ')}); use 1 (binary) or ≥ ${classes}`,
    );
  }
  return outputDim;
}
