// GPT-2's parameters by Hugging Face name (save_pretrained layout, `transformer.` prefix), their shapes,
// and HF's random initialisation. Conv1D weights are stored [in, out] and applied as x @ W + b.
import * as tf from '@tensorflow/tfjs-core';
import { mlpWidth, type Gpt2Config } from './config.ts';
import { deriveSeed } from './ops.ts';

export type Gpt2Params = Record<string, tf.Variable>;

/** Every parameter name and its shape, in a stable order (embeddings, blocks, ln_f). lm_head is tied to wte. */
export function gpt2ParamShapes(config: Gpt2Config): Map<string, number[]> {
  const C = config.n_embd;
  const F = mlpWidth(config);
  const shapes = new Map<string, number[]>([
    ['transformer.wte.weight', [config.vocab_size, C]],
    ['transformer.wpe.weight', [config.n_positions, C]],
  ]);
  for (let i = 0; i < config.n_layer; i++) {
    const h = `transformer.h.${i}`;
    shapes.set(`${h}.ln_1.weight`, [C]);
    shapes.set(`${h}.ln_1.bias`, [C]);
    shapes.set(`${h}.attn.c_attn.weight`, [C, 3 * C]);
    shapes.set(`${h}.attn.c_attn.bias`, [3 * C]);
    shapes.set(`${h}.attn.c_proj.weight`, [C, C]);
    shapes.set(`${h}.attn.c_proj.bias`, [C]);
    shapes.set(`${h}.ln_2.weight`, [C]);
    shapes.set(`${h}.ln_2.bias`, [C]);
    shapes.set(`${h}.mlp.c_fc.weight`, [C, F]);
    shapes.set(`${h}.mlp.c_fc.bias`, [F]);
    shapes.set(`${h}.mlp.c_proj.weight`, [F, C]);
    shapes.set(`${h}.mlp.c_proj.bias`, [C]);
  }
  shapes.set('transformer.ln_f.weight', [C]);
  shapes.set('transformer.ln_f.bias', [C]);
  return shapes;
}

export function countParams(params: Record<string, tf.Tensor>): number {
  return Object.values(params).reduce((n, p) => n + p.size, 0);
}

/**
 * HF's GPT2PreTrainedModel._init_weights: weights and embeddings ~ N(0, initializer_range), biases 0,
 * LayerNorm gain 1 and bias 0, then every `c_proj.weight` ~ N(0, initializer_range / sqrt(2 * n_layer)).
 * Seeded: the same seed gives the same weights (each tensor draws its own sub-seed).
 */
export function initGpt2Params(config: Gpt2Config, seed: number): Gpt2Params {
  const std = config.initializer_range;
  const projStd = std / Math.sqrt(2 * config.n_layer);
  const params: Gpt2Params = {};
  let index = 0;
  for (const [name, shape] of gpt2ParamShapes(config)) {
    const tensorSeed = deriveSeed(seed, index++);
    const value = tf.tidy(() => {
      if (/\.ln_(1|2|f)\.weight$/.test(name)) return tf.ones(shape);
      if (name.endsWith('.bias')) return tf.zeros(shape);
      return tf.randomNormal(shape, 0, name.endsWith('c_proj.weight') ? projStd : std, 'float32', tensorSeed);
    });
    params[name] = namedVariable(value, name);
    value.dispose();
  }
  return params;
}

/**
 * A trainable variable named after its key, the convention models/train relies on (variableGrads keys gradients
 * by variable name). Names are global in tfjs, so two models with the same keys cannot coexist.
 */
export function namedVariable(value: tf.Tensor, name: string): tf.Variable {
  try {
    return tf.variable(value, true, name);
  } catch (error) {
    if (String(error).includes('already registered')) {
      throw new Error(
        `a variable named ${name} already exists: dispose the other model (disposeGpt2Model) before creating or loading another`,
      );
    }
    throw error;
  }
}
