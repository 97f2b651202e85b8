// The training params finetune and lora share (schemas/stages/finetune.schema.json, lora.schema.json), with the
// Hugging Face Trainer's defaults: AdamW lr 5e-5, betas (0.9, 0.999), eps 1e-8, weight_decay 0 (applied to every
// weight but biases and LayerNorm gains, as the Trainer groups them), linear schedule without warm-up,
// max_grad_norm 1.0, 3 epochs, batch size 8, gradient accumulation 1. Those defaults live in the schemas alone:
// ajv fills them in before a stage sees its params, so the keys they cover are required here; only the two whose
// default is another value (eval_batch_size: batch_size; seed: the pipeline's) stay optional.
import type { PadLabels } from './lm-batches.ts';

export interface LmTrainParams {
  epochs: number;
  batch_size: number;
  /** Default: batch_size. */
  eval_batch_size?: number;
  lr: number;
  weight_decay: number;
  betas: [number, number];
  eps: number;
  lr_schedule: 'linear' | 'constant';
  warmup_steps: number;
  /** null: no clipping. */
  max_grad_norm: number | null;
  gradient_accumulation_steps: number;
  logging_steps: number;
  checkpoint_every: number;
  /** Default: the pipeline's seed. */
  seed?: number;
  shuffle: boolean;
  pads: PadLabels;
}

export interface LmTrainSettings {
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  lr: number;
  weightDecay: number;
  betas: [number, number];
  eps: number;
  schedule: 'linear' | 'constant';
  warmupSteps: number;
  /** null: no clipping. */
  maxGradNorm: number | null;
  accumulate: number;
  loggingSteps: number;
  checkpointEvery: number;
  seed: number;
  shuffle: boolean;
  /** What padding is in the labels (stages/lm/lm-batches.ts). */
  pads: PadLabels;
}

/** Params that change nothing in the outputs but when checkpoints are written: kept out of the resume key. */
export const LM_RESUME_COMPATIBLE = ['checkpoint_every'] as const;

/** Params (defaults filled by the schema) as fitLm's settings; `pipelineSeed` is the default seed. */
export function resolveLmTrainParams(params: LmTrainParams, pipelineSeed: number): LmTrainSettings {
  return {
    epochs: params.epochs,
    batchSize: params.batch_size,
    evalBatchSize: params.eval_batch_size ?? params.batch_size,
    lr: params.lr,
    weightDecay: params.weight_decay,
    betas: params.betas,
    eps: params.eps,
    schedule: params.lr_schedule,
    warmupSteps: params.warmup_steps,
    maxGradNorm: params.max_grad_norm,
    accumulate: params.gradient_accumulation_steps,
    loggingSteps: params.logging_steps,
    checkpointEvery: params.checkpoint_every,
    seed: params.seed ?? pipelineSeed,
    shuffle: params.shuffle,
    pads: params.pads,
  };
}

/**
 * The learning rate of optimizer step `step` (0-based), as transformers' schedulers give it:
 * constant: lr; linear (get_linear_schedule_with_warmup): lr · step / warmup during warm-up, then
 * lr · (total − step) / (total − warmup), never below 0.
 */
export function scheduledLr(
  settings: Pick<LmTrainSettings, 'lr' | 'schedule' | 'warmupSteps'>,
  totalSteps: number,
  step: number,
): number {
  const { lr, warmupSteps } = settings;
  if (step < warmupSteps) return (lr * step) / Math.max(1, warmupSteps);
  if (settings.schedule === 'constant') return lr;
  return lr * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}
