// The seed's classifier: Embedding(V, E, padding_idx) → LSTM(nLayers, H, bidirectional, dropout) over packed
// sequences → final hidden state of the top layer ([fwd, rev] concatenated) → dropout → fc → logits [B, O].
// Parameters are tf.Variables named exactly as PyTorch's state_dict.
import * as tf from '@tensorflow/tfjs-core';
import { directionsOf, lstmParamNames, lstmParamShapes, validateLstmConfig, type LstmConfig } from './config.ts';
import { lstmDirection } from './layer.ts';
import { packIds, packLayout } from './packing.ts';
import { concatColumns, dropout, linear, takeRows } from '../train/ops.ts';

export interface LstmClassifier {
  config: LstmConfig;
  params: Record<string, tf.Variable>;
}

/** Padded token ids [B, T] row-major and each sequence's true length (1..T). */
export interface LstmBatch {
  ids: Int32Array;
  lengths: ArrayLike<number>;
  width: number;
}

/** A training batch: LstmBatch and its targets. */
export interface LabelledLstmBatch extends LstmBatch {
  /** Class ids [B] (or 0/1 targets when outputDim is 1). */
  labels: ArrayLike<number>;
}

export interface ForwardOptions {
  /** Training mode: dropout on, and the graph kept for gradients. */
  training?: boolean;
  /** Dropout seed (required when training with dropout > 0): same seed, same masks. */
  seed?: number;
}

/** PyTorch's default init: Embedding N(0,1) with the pad row zeroed; LSTM and Linear U(±1/√fan). */
export function createLstmClassifier(config: LstmConfig, seed: number): LstmClassifier {
  validateLstmConfig(config);
  const params: Record<string, tf.Variable> = {};
  lstmParamShapes(config).forEach(([name, shape], k) => {
    const s = seed * 1000 + k + 1; // never 0: tf.randomNormal treats seed 0 as "unseeded" and uses Math.random
    const value = tf.tidy(() => {
      if (name === 'embedding.weight') {
        const w = tf.randomNormal(shape, 0, 1, 'float32', s).dataSync().slice();
        w.fill(0, config.padIndex * shape[1], (config.padIndex + 1) * shape[1]); // exact +0, as nn.Embedding(padding_idx)
        return tf.tensor(w, shape, 'float32');
      }
      const fan = name.startsWith('fc.') ? config.hiddenDim * directionsOf(config) : config.hiddenDim;
      const bound = 1 / Math.sqrt(fan);
      return tf.randomUniform(shape, -bound, bound, 'float32', s);
    });
    params[name] = tf.variable(value, true); // unnamed: tfjs variable names are process-global; ours are the record keys
    value.dispose();
  });
  return { config, params };
}

export function disposeLstm(model: LstmClassifier): void {
  for (const v of Object.values(model.params)) v.dispose();
}

/** Logits [B, O] in the batch's order. Call inside tf.tidy or variableGrads, or dispose the result. */
export function forwardLstm(model: LstmClassifier, batch: LstmBatch, options: ForwardOptions = {}): tf.Tensor2D {
  const { config, params } = model;
  const training = options.training ?? false;
  if (training && config.dropout > 0 && options.seed === undefined)
    throw new Error('forwardLstm: training with dropout needs a seed');
  const layout = packLayout(batch.lengths);
  const packed = packIds(batch.ids, batch.width, layout);
  const dirs = directionsOf(config);
  let site = 0;
  const drop = <T extends tf.Tensor>(x: T): T =>
    training && config.dropout > 0 ? dropout(x, config.dropout, (options.seed! + 7919 * ++site) >>> 0) : x;

  let x = takeRows(params['embedding.weight'] as tf.Tensor2D, packed, config.padIndex); // [N, E]; the pad row gets no gradient
  let outs: tf.Tensor2D[] = [];
  for (let k = 0; k < config.nLayers; k++) {
    outs = [];
    for (let d = 0; d < dirs; d++) {
      const names = lstmParamNames(k, d === 1);
      const w = {
        wIh: params[names.wIh] as tf.Tensor2D,
        wHh: params[names.wHh] as tf.Tensor2D,
        bIh: params[names.bIh] as tf.Tensor1D,
        bHh: params[names.bHh] as tf.Tensor1D,
      };
      outs.push(lstmDirection(x, w, layout, d === 1, training)); // [N, H]
    }
    if (k < config.nLayers - 1) x = drop(dirs === 2 ? concatColumns(outs[0], outs[1]) : outs[0]); // [N, H·dirs]
  }
  const last = takeRows(outs[0], layout.lastRows); // [B, H]: forward direction at each true length
  const hidden = dirs === 2 ? concatColumns(last, takeRows(outs[1], layout.firstRows)) : last; // reverse ends at t = 0
  return linear(drop(hidden), params['fc.weight'] as tf.Tensor2D, params['fc.bias'] as tf.Tensor1D);
}
