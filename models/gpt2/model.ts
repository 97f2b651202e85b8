// GPT-2 forward pass (HF GPT2LMHeadModel semantics): token + position embeddings, n_layer pre-LN blocks
// (ln_1 → causal self-attention → residual; ln_2 → MLP with gelu_new → residual), ln_f, head tied to wte.
// Shapes: B batch, T new positions, P cached positions, C n_embd, nh heads, hs = C / nh, V vocab.
import * as tf from '@tensorflow/tfjs-core';
import { type Gpt2Config } from './config.ts';
import { type Gpt2Params } from './params.ts';
import {
  addSame,
  conv1d,
  conv1dGeluNew,
  conv1dResidual,
  deriveSeed,
  dropout,
  dropoutMask,
  embed,
  geluNew,
  headLogits,
  layerNorm,
} from './ops.ts';
import { attentionBias, cachedSelfAttention, causalSelfAttention } from './attention.ts';
import { lmHeadLoss, shiftLabels, sparseCrossEntropy } from './loss.ts';
import { fusedAttentionApplies, fusedCausalSelfAttention } from './webgpu/attention-fused.ts';

/** An extra path added to a Conv1D module's output (LoRA): x [N, in] → delta [N, out], differentiable in x. */
export interface Conv1DAdapter {
  /** Dropout rate on the adapter's input in training. */
  readonly dropout: number;
  delta(x: tf.Tensor2D, dropoutSeed: number | null): tf.Tensor2D;
}

export interface Gpt2Model {
  config: Gpt2Config;
  params: Gpt2Params;
  /** Adapters by module name, e.g. 'transformer.h.0.attn.c_attn'; empty for the plain model. */
  adapters: Map<string, Conv1DAdapter>;
}

/** Keys and values of the positions seen so far, per layer: [B, nh, P, hs] each. */
export interface LayerCache {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}
export type KvCache = LayerCache[];

export interface ForwardOptions {
  /** Dropout on (with `seed`); off by default, as in eval mode. */
  training?: boolean;
  /** Dropout seed: dropout site i of this call draws deriveSeed(seed, i), so a step's masks are reproducible. */
  seed?: number;
  /** [B][T] token ids to predict (HF: shifted inside, -100 ignored); adds `loss` to the result. */
  labels?: number[][];
  /** [B][P + T] 1 = attend, 0 = padding. */
  attentionMask?: number[][];
  /** Cache from an earlier call: the new positions start at P. */
  past?: KvCache;
  /** Return the cache extended by these positions (the caller disposes it). */
  returnCache?: boolean;
  /** Compute logits for the last position only (generation): logits [B, 1, V]. */
  lastPositionOnly?: boolean;
}

export interface ForwardResult {
  logits: tf.Tensor3D;
  loss?: tf.Scalar;
  cache?: KvCache;
}

export function createGpt2Model(config: Gpt2Config, params: Gpt2Params): Gpt2Model {
  return { config, params, adapters: new Map() };
}

export function disposeGpt2Model(model: Gpt2Model): void {
  for (const p of Object.values(model.params)) p.dispose();
}

export function disposeKvCache(cache: KvCache | undefined): void {
  for (const layer of cache ?? []) tf.dispose([layer.k, layer.v]);
}

/**
 * ids [B, T] → logits [B, T, V] (or [B, 1, V] with lastPositionOnly), plus HF's loss when labels are given and
 * the extended cache when asked. For inference and evaluation; training uses gpt2Loss (fused head + loss).
 */
export function forwardGpt2(model: Gpt2Model, ids: number[][], options: ForwardOptions = {}): ForwardResult {
  const { config, params } = model;
  const B = ids.length;
  const T = ids[0]?.length ?? 0;
  return tf.tidy((): tf.TensorContainer => {
    const { h, cache } = hiddenStates(model, ids, options);
    const C = config.n_embd;
    const Tout = options.lastPositionOnly ? 1 : T;
    const last = options.lastPositionOnly
      ? (tf.reshape(tf.slice(tf.reshape(h, [B, T, C]), [0, T - 1, 0], [B, 1, C]), [B, C]) as tf.Tensor2D)
      : h;
    // Tied head: (B*Tout, C) x (V, C)^T.
    const logits2d = headLogits(last, params['transformer.wte.weight'] as tf.Tensor2D);
    const out: ForwardResult = { logits: tf.reshape(logits2d, [B, Tout, config.vocab_size]) as tf.Tensor3D };
    if (options.labels) {
      if (options.lastPositionOnly) throw new Error('labels need logits for every position (lastPositionOnly is set)');
      out.loss = sparseCrossEntropy(logits2d, shiftLabels(options.labels.flat(), B, T));
    }
    if (options.returnCache) out.cache = cache;
    return out as unknown as tf.TensorContainer;
  }) as unknown as ForwardResult;
}

/**
 * HF's loss for a batch alone, for tf.variableGrads: the tied head and the cross-entropy run as one op, so the
 * [N, V] logits never reach the tape and wte's head gradient is skipped when wte is frozen. Labels default to ids.
 */
export function gpt2Loss(
  model: Gpt2Model,
  ids: number[][],
  options: Omit<ForwardOptions, 'returnCache' | 'lastPositionOnly' | 'past'> = {},
): tf.Scalar {
  return tf.tidy(() => {
    const B = ids.length;
    const T = ids[0]?.length ?? 0;
    const { h } = hiddenStates(model, ids, options);
    const targets = shiftLabels((options.labels ?? ids).flat(), B, T);
    return lmHeadLoss(h, model.params['transformer.wte.weight'] as tf.Tensor2D, targets);
  });
}

/** The transformer without the head: h [B*T, C] after ln_f, and the extended cache when one is used. */
function hiddenStates(model: Gpt2Model, ids: number[][], options: ForwardOptions): { h: tf.Tensor2D; cache: KvCache } {
  const { config, params } = model;
  const B = ids.length;
  const T = ids[0]?.length ?? 0;
  if (B === 0 || T === 0 || ids.some((row) => row.length !== T))
    throw new Error(`ids must be a non-empty [B][T] array with rows of equal length`);
  const P = options.past?.[0]?.k.shape[2] ?? 0;
  if (P + T > config.n_positions)
    throw new Error(`sequence of ${P + T} positions exceeds n_positions ${config.n_positions}`);
  const useCache = options.past !== undefined || options.returnCache === true;
  const training = options.training === true;
  const dropsSomething = [
    config.embd_pdrop,
    config.attn_pdrop,
    config.resid_pdrop,
    ...[...model.adapters.values()].map((a) => a.dropout),
  ].some((p) => p > 0);
  if (training && dropsSomething && options.seed === undefined)
    throw new Error('training with dropout needs a seed (one per step, so masks differ between steps)');
  let site = 0;
  const nextSeed = () => (training ? deriveSeed(options.seed ?? 0, site++) : null);
  const drop = (x: tf.Tensor2D, rate: number): tf.Tensor2D => {
    const seed = nextSeed();
    return seed === null ? x : dropout(x, rate, seed);
  };
  const { n_embd: C, n_head: nh, layer_norm_epsilon: eps } = config;
  const shape = { B, T, nh, hs: C / nh };
  const flatIds = Int32Array.from(ids.flat());
  for (const id of flatIds)
    if (!(id >= 0 && id < config.vocab_size))
      throw new Error(`token id ${id} is outside the vocabulary [0, ${config.vocab_size})`);
  const positions = Int32Array.from({ length: B * T }, (_, n) => P + (n % T));
  const ln = (x: tf.Tensor2D, name: string) =>
    layerNorm(x, params[`${name}.weight`] as tf.Tensor1D, params[`${name}.bias`] as tf.Tensor1D, eps);

  let x = drop(
    embed(
      params['transformer.wte.weight'] as tf.Tensor2D,
      params['transformer.wpe.weight'] as tf.Tensor2D,
      flatIds,
      positions,
    ),
    config.embd_pdrop,
  ); // (N, C)
  // webgpu, no cache, no padding: the fused kernels, which apply the causal mask and dropout themselves, so neither
  // the bias nor the (B, nh, T, T) dropout masks are built.
  const fused = !useCache && options.attentionMask === undefined && fusedAttentionApplies(shape);
  const bias = fused ? null : attentionBias(B, T, P, options.attentionMask);
  const cache: KvCache = [];
  for (let i = 0; i < config.n_layer; i++) {
    const h = `transformer.h.${i}`;
    const qkv = linear(model, `${h}.attn.c_attn`, ln(x, `${h}.ln_1`), nextSeed); // (N, 3C)
    let y: tf.Tensor2D;
    if (bias === null) {
      const seed = config.attn_pdrop > 0 ? nextSeed() : null;
      y = fusedCausalSelfAttention(qkv, shape, seed === null ? null : { rate: config.attn_pdrop, seed });
    } else if (useCache) {
      const step = cachedSelfAttention(qkv, shape, bias, options.past?.[i]);
      cache.push({ k: step.k, v: step.v });
      y = step.y;
    } else {
      const seed = config.attn_pdrop > 0 ? nextSeed() : null;
      const mask = seed === null ? null : dropoutMask([B, nh, T, T], config.attn_pdrop, seed);
      y = causalSelfAttention(qkv, shape, bias, mask);
    }
    x = residualLinear(model, `${h}.attn.c_proj`, y, x, nextSeed, config.resid_pdrop);
    const f = linearGeluNew(model, `${h}.mlp.c_fc`, ln(x, `${h}.ln_2`), nextSeed); // (N, 4C)
    x = residualLinear(model, `${h}.mlp.c_proj`, f, x, nextSeed, config.resid_pdrop);
  }
  return { h: ln(x, 'transformer.ln_f'), cache };
}

/** gelu_new(linear(x)): one fused op when the module has no adapter (on webgpu, see conv1dGeluNew). */
function linearGeluNew(model: Gpt2Model, name: string, x: tf.Tensor2D, nextSeed: () => number | null): tf.Tensor2D {
  if (model.adapters.has(name)) return geluNew(linear(model, name, x, nextSeed));
  return conv1dGeluNew(x, model.params[`${name}.weight`] as tf.Tensor2D, model.params[`${name}.bias`] as tf.Tensor1D);
}

/**
 * residual + dropout(linear(x)): one fused op when the module has no adapter and the dropout is off (webgpu, see
 * conv1dResidual). Draws the dropout seed after the adapter's, as linear then dropout would.
 */
function residualLinear(
  model: Gpt2Model,
  name: string,
  x: tf.Tensor2D,
  residual: tf.Tensor2D,
  nextSeed: () => number | null,
  rate: number,
): tf.Tensor2D {
  if (model.adapters.has(name)) {
    const projected = linear(model, name, x, nextSeed);
    const seed = nextSeed();
    return addSame(residual, seed === null ? projected : dropout(projected, rate, seed));
  }
  const [weight, bias] = [model.params[`${name}.weight`] as tf.Tensor2D, model.params[`${name}.bias`] as tf.Tensor1D];
  const seed = nextSeed();
  if (seed === null || rate === 0) return conv1dResidual(x, weight, bias, residual);
  return addSame(residual, dropout(conv1d(x, weight, bias), rate, seed));
}

/** A Conv1D module: x @ W + b, plus its adapter's delta (LoRA) when one is attached. */
function linear(model: Gpt2Model, name: string, x: tf.Tensor2D, nextSeed: () => number | null): tf.Tensor2D {
  const base = conv1d(x, model.params[`${name}.weight`] as tf.Tensor2D, model.params[`${name}.bias`] as tf.Tensor1D);
  const adapter = model.adapters.get(name);
  return adapter ? addSame(base, adapter.delta(x, nextSeed())) : base;
}
