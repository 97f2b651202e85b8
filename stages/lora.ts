// The `lora` stage (schemas/stages/lora.schema.json): LoRA fine-tuning of a GPT-2 with peft's semantics — the base
// frozen, lora_A/lora_B on the target Conv1D modules (default c_attn), bias none — trained as finetune trains
// (stages/lm/fit-lm.ts). Logs peft's "trainable params: … || all params: … || trainable%: …".
// Output (stages/lm/model-artifact.ts): model_type gpt2-lora — adapter/ in peft's format (PeftModel.from_pretrained
// loads it) plus config.json naming the base (not copied). With merge: true the adapter is folded into the
// weights (merge_and_unload) and the output is a full gpt2 model folder; adapter/ is kept next to it.
// This file is the descriptor only: the work (and TensorFlow.js) is imported when the stage runs
// (stages/lm/train-lora.ts), so fingerprinting a cached run stays light.
import type { Stage } from './stage.ts';
import type { LoraParams } from './lm/stage-params.ts';
import { LM_TRAINING_STAGE } from './lm/training-stage.ts';

export type { LoraParams } from './lm/stage-params.ts';

export const loraStage: Stage<LoraParams> = {
  kind: 'lora',
  version: 2, // 2: clip_grad_norm_ coefficient computed in float32 on the device, as torch does
  ...LM_TRAINING_STAGE,
  run: async (ctx, params, inputs) => (await import('./lm/train-lora.ts')).trainLora(ctx, params, inputs),
};
