// peft's merge_and_unload for GPT-2's Conv1D (fan_in_fan_out): W [in, out] += (B @ A)^T * scaling = A^T @ B^T * scaling,
// then the adapters are removed and the base is trainable again. The merged model computes the same function.
import * as tf from '@tensorflow/tfjs-core';
import { type Gpt2Model } from '../gpt2/model.ts';
import { detachLora, loraParamName, type LoraState } from './lora.ts';

export function mergeLora(model: Gpt2Model, state: LoraState): void {
  for (const module of state.modules) {
    const weight = model.params[`${module}.weight`];
    const A = state.params[loraParamName(module, 'A')];
    const B = state.params[loraParamName(module, 'B')];
    const merged = tf.tidy(() => tf.add(weight, tf.mul(tf.matMul(A, B, true, true), state.scaling)));
    weight.assign(merged);
    merged.dispose();
  }
  detachLora(model, state);
}
