// LoRA on GPT-2's Conv1D modules with peft's semantics: the base weight W [in, out] stays frozen and each
// targeted module gains lora_A [r, in] and lora_B [out, r] (nn.Linear layouts), so that
//   y = x @ W + b + (dropout(x) @ A^T @ B^T) * scaling,   scaling = lora_alpha / r.
// A starts kaiming-uniform(a = sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)), B starts at zero, as peft's default init.
import * as tf from '@tensorflow/tfjs-core';
import { type Conv1DAdapter, type Gpt2Model } from '../gpt2/model.ts';
import { countParams, namedVariable } from '../gpt2/params.ts';
import { deriveSeed, differentiable, dropout, gradsFor, matMul2d } from '../gpt2/ops.ts';
import { GPT2_LORA_TARGETS, isTargetModule, loraScaling, type LoraConfig } from './config.ts';
import { formatNumber } from '../../lib/text/number.ts';

/** Trainable LoRA weights by peft's saved names: `base_model.model.<module>.lora_A.weight` / `lora_B.weight`. */
export type LoraParams = Record<string, tf.Variable>;

export interface LoraState {
  config: LoraConfig;
  scaling: number;
  /** Targeted modules, e.g. 'transformer.h.0.attn.c_attn'. */
  modules: string[];
  params: LoraParams;
}

const PEFT_PREFIX = 'base_model.model.';

export function loraParamName(module: string, which: 'A' | 'B'): string {
  return `${PEFT_PREFIX}${module}.lora_${which}.weight`;
}

/** The Conv1D modules of the model whose names match target_modules, with their [in, out]. */
export function findLoraTargets(
  model: Gpt2Model,
  config: LoraConfig,
): { module: string; fanIn: number; fanOut: number }[] {
  const targets: { module: string; fanIn: number; fanOut: number }[] = [];
  for (const [name, variable] of Object.entries(model.params)) {
    const match = /^(transformer\.h\.\d+\.(?:attn|mlp)\.(c_attn|c_proj|c_fc))\.weight$/.exec(name);
    if (match && isTargetModule(match[1], config.target_modules)) {
      const [fanIn, fanOut] = variable.shape as [number, number];
      targets.push({ module: match[1], fanIn, fanOut });
    }
  }
  if (targets.length === 0) {
    throw new Error(
      `LoRA target_modules ${JSON.stringify(config.target_modules)} match no GPT-2 module (allowed: ${GPT2_LORA_TARGETS.join(', ')})`,
    );
  }
  return targets;
}

/**
 * Attaches LoRA to the model (as get_peft_model): freezes the base parameters and adds adapters with peft's
 * initial values, seeded. `initial` supplies existing A/B values instead (loading an adapter).
 */
export function attachLora(
  model: Gpt2Model,
  config: LoraConfig,
  seed = 0,
  initial?: Map<string, Float32Array>,
): LoraState {
  if (model.adapters.size > 0) throw new Error('the model already has adapters attached; merge or detach them first');
  const params: LoraParams = {};
  const modules: string[] = [];
  let index = 0;
  for (const { module, fanIn, fanOut } of findLoraTargets(model, config)) {
    const nameA = loraParamName(module, 'A');
    const nameB = loraParamName(module, 'B');
    const bound = 1 / Math.sqrt(fanIn);
    const a = initial?.get(nameA)
      ? tf.tensor2d(initial.get(nameA)!, [config.r, fanIn])
      : tf.randomUniform([config.r, fanIn], -bound, bound, 'float32', deriveSeed(seed, index++));
    const b = initial?.get(nameB) ? tf.tensor2d(initial.get(nameB)!, [fanOut, config.r]) : tf.zeros([fanOut, config.r]);
    params[nameA] = namedVariable(a, nameA);
    params[nameB] = namedVariable(b, nameB);
    tf.dispose([a, b]);
    modules.push(module);
  }
  const state: LoraState = { config, scaling: loraScaling(config), modules, params };
  for (const module of modules) model.adapters.set(module, makeAdapter(state, module));
  for (const variable of Object.values(model.params)) variable.trainable = false;
  return state;
}

/** Removes the adapters (disposing their weights) and makes the base trainable again. */
export function detachLora(model: Gpt2Model, state: LoraState): void {
  for (const module of state.modules) model.adapters.delete(module);
  for (const variable of Object.values(state.params)) variable.dispose();
  for (const variable of Object.values(model.params)) variable.trainable = true;
}

function makeAdapter(state: LoraState, module: string): Conv1DAdapter {
  const A = state.params[loraParamName(module, 'A')] as tf.Variable<tf.Rank.R2>;
  const B = state.params[loraParamName(module, 'B')] as tf.Variable<tf.Rank.R2>;
  const rate = state.config.lora_dropout;
  return {
    dropout: rate,
    delta: (x, dropoutSeed) => loraDelta(dropoutSeed === null ? x : dropout(x, rate, dropoutSeed), A, B, state.scaling),
  };
}

/**
 * (x @ A^T @ B^T) * s for x [N, in], A [r, in], B [out, r]; the scaling multiplies the narrow z = x @ A^T [N, r].
 * Backward: dz = dy @ B * s, dA = dz^T @ x, dB = dy^T @ z * s, dx = dz @ A.
 */
export function loraDelta(x: tf.Tensor2D, A: tf.Tensor2D, B: tf.Tensor2D, scaling: number): tf.Tensor2D {
  return differentiable(
    [x, A, B],
    ([xi, a, b]) => {
      const z = matMul2d(xi as tf.Tensor2D, a as tf.Tensor2D, false, true); // (N, r)
      const value = tf.tidy(() => matMul2d(tf.mul(z, scaling), b as tf.Tensor2D, false, true));
      return { value, keep: [z] };
    },
    (dy, [xi, a, b], [z]) => {
      const dz = tf.mul(tf.matMul(dy, b), scaling) as tf.Tensor2D;
      return gradsFor(
        [x, A, B],
        [
          () => tf.matMul(dz, a),
          () => matMul2d(dz, xi as tf.Tensor2D, true, false),
          () => tf.mul(matMul2d(dy as tf.Tensor2D, z as tf.Tensor2D, true, false), scaling),
        ],
      );
    },
  );
}

/** peft's print_trainable_parameters line; "all params" counts the base (wte once: the head is tied) plus LoRA. */
export function formatTrainableParams(model: Gpt2Model, state?: LoraState): string {
  const lora = state ? countParams(state.params) : 0;
  const base = countParams(model.params);
  const trainable = state ? lora : base;
  const all = base + lora;
  const group = (n: number) => formatNumber(n);
  return `trainable params: ${group(trainable)} || all params: ${group(all)} || trainable%: ${((100 * trainable) / all).toFixed(4)}`;
}
