// The training params finetune and lora share (schemas/stages/finetune.schema.json, lora.schema.json), with the
// Hugging Face Trainer's defaults: AdamW lr 5e-5, betas (0.9, 0.999), eps 1e-8, weight_decay 0 (applied to every
// weight but biases and LayerNorm gains, as the Trainer groups them), linear schedule without warm-up,
// max_grad_norm 1.0, 3 epochs, batch size 8, gradient accumulation 1.
import type { PadLabels } from './lm-batches.ts';

export interface LmTrainParams {
  epochs?: number;
  batch_size?: number;
  eval_batch_size?: number;
  lr?: number;
  weight_decay?: number;
  betas?: [number, number];
  eps?: number;
  lr_schedule?: 'linear' | 'constant';
  warmup_steps?: number;
  max_grad_norm?: number | null;
  gradient_accumulation_steps?: number;
  logging_steps?: number;
  checkpoint_every?: number;
  seed?: number;
  shuffle?: boolean;
  pads?: PadLabels;
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

export function resolveLmTrainParams(params: LmTrainParams, pipelineSeed: number): LmTrainSettings {
  return {
    epochs: params.epochs ?? 3,
    batchSize: params.batch_size ?? 8,
    evalBatchSize: params.eval_batch_size ?? params.batch_size ?? 8,
    lr: params.lr ?? 5e-5,
    weightDecay: params.weight_decay ?? 0,
    betas: params.betas ?? [0.9, 0.999],
    eps: params.eps ?? 1e-8,
    schedule: params.lr_schedule ?? 'linear',
    warmupSteps: params.warmup_steps ?? 0,
    maxGradNorm: params.max_grad_norm === undefined ? 1.0 : params.max_grad_norm,
    accumulate: params.gradient_accumulation_steps ?? 1,
    loggingSteps: params.logging_steps ?? 50,
    checkpointEvery: params.checkpoint_every ?? 50,
    seed: params.seed ?? pipelineSeed,
    shuffle: params.shuffle ?? true,
    pads: params.pads ?? 'ignored',
  };
}

/**
 * The learning rate of optimizer step `step` (0-based), as transformers' schedulers give it:
 * constant: lr; linear (get_linear_schedule_with_warmup): lr · step / warmup during warm-up, then
 * lr · (total − step) / (total − warmup), never below 0.
 */
export function scheduledLr(settings: Pick<LmTrainSettings, 'lr' | 'schedule' | 'warmupSteps'>, totalSteps: number, step: number): number {
  const { lr, warmupSteps } = settings;
  if (step < warmupSteps) return (lr * step) / Math.max(1, warmupSteps);
  if (settings.schedule === 'constant') return lr;
  return lr * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}
