// One GPT-2 training step on the active backend as fitModel runs it (AdamW, dropout on, clipping at 1, the loss read
// back), full fine-tuning or LoRA (r 8 on c_attn), at a given size: shared by bench/gpt2-train.ts and
// bench/gpt2-profile.ts so that both time the same step.
import { createGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model } from '../../models/gpt2/model.ts';
import { gpt2Batch } from '../../models/gpt2/batch.ts';
import { gpt2Trainable } from '../../models/gpt2/trainable.ts';
import { makeLoraConfig } from '../../models/lora/config.ts';
import { attachLora, detachLora } from '../../models/lora/lora.ts';
import { createOptimizer } from '../../models/train/create-optimizer.ts';
import { disposeFigures } from '../../models/train/batch-reads.ts';
import { trainStep } from '../../models/train/step.ts';

export interface Gpt2BenchSize {
  n_layer: number;
  n_head: number;
  n_embd: number;
  /** Batch rows. */
  B: number;
  /** Block (positions per row). */
  T: number;
}

/** lab2-offline's model: the 50,257-token head dominates at this width. */
export const SMALL_SIZE: Gpt2BenchSize = { n_layer: 2, n_head: 2, n_embd: 64, B: 8, T: 64 };
/** The 124M model. */
export const GPT2_SIZE: Gpt2BenchSize = { n_layer: 12, n_head: 12, n_embd: 768, B: 4, T: 128 };

export interface Gpt2BenchStep {
  /** One training step with this dropout seed. */
  run(seed: number): void;
  dispose(): void;
}

/** A fresh model (and adapters when `lora`), optimizer and fixed batch; the caller disposes it. */
export function makeGpt2Step(size: Gpt2BenchSize, lora: boolean): Gpt2BenchStep {
  const model = createGpt2({ n_layer: size.n_layer, n_head: size.n_head, n_embd: size.n_embd, n_positions: size.T }, 1);
  const state = lora ? attachLora(model, makeLoraConfig({ r: 8, lora_alpha: 8, target_modules: ['c_attn'] }), 2) : null;
  const trainable = gpt2Trainable(model, state ? state.params : model.params);
  const optimizer = createOptimizer({ name: 'adamw', lr: 1e-4, weightDecay: 0 });
  const batch = gpt2Batch(
    Array.from({ length: size.B }, (_, b) => Array.from({ length: size.T }, (_, t) => (b * 7919 + t * 104729) % 50257)),
  );
  return {
    run(seed) {
      // fitModel's step, its loss read back (wasm computes synchronously) as fitModel reads it there
      const figures = trainStep(trainable, [{ batch, seed }], optimizer, { maxGradNorm: 1 });
      figures[0].loss.dataSync();
      disposeFigures(figures);
    },
    dispose() {
      optimizer.dispose();
      if (state) detachLora(model, state);
      disposeGpt2Model(model);
    },
  };
}
