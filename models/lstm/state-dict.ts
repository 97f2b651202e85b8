// The LSTM classifier from named arrays in PyTorch state_dict names, with no file access, so that the browser page of
// `tfpipe export --web` builds the model as `tfpipe predict` does (weights.ts reads and writes the files).
import * as tf from '@tensorflow/tfjs-core';
import type { NamedArray } from '../io/named-array.ts';
import { lstmParamShapes, validateLstmConfig, type LstmConfig } from './config.ts';
import type { LstmClassifier } from './model.ts';

/** Config from state_dict shapes: embedding.weight [V,E], lstm.weight_hh_l0 [4H,H], fc.weight [O, H·dirs]. */
export function inferLstmConfig(
  tensors: Map<string, NamedArray>,
  rest: Partial<Pick<LstmConfig, 'padIndex' | 'dropout'>> = {},
): LstmConfig {
  const shapeOf = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`lstm weights: missing ${name}`);
    return t.shape;
  };
  const [vocabSize, embeddingDim] = shapeOf('embedding.weight');
  const hiddenDim = shapeOf('lstm.weight_hh_l0')[1];
  let nLayers = 0;
  while (tensors.has(`lstm.weight_hh_l${nLayers}`)) nLayers++;
  return {
    vocabSize,
    embeddingDim,
    hiddenDim,
    nLayers,
    outputDim: shapeOf('fc.weight')[0],
    bidirectional: tensors.has('lstm.weight_hh_l0_reverse'),
    dropout: rest.dropout ?? 0,
    padIndex: rest.padIndex ?? 0,
  };
}

/** Builds the model from named arrays, asserting every expected key and shape; extra keys are an error too. */
export function lstmFromStateDict(
  tensors: Map<string, NamedArray>,
  config: LstmConfig,
  source = 'state_dict',
): LstmClassifier {
  validateLstmConfig(config);
  const expected = lstmParamShapes(config);
  const params: Record<string, tf.Variable> = {};
  const extra = [...tensors.keys()].filter((k) => !expected.some(([name]) => name === k));
  if (extra.length) throw new Error(`${source}: unexpected tensors ${extra.join(', ')} for this LSTM config`);
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (!t) throw new Error(`${source}: missing ${name} [${shape}]`);
    if (t.shape.join(',') !== shape.join(','))
      throw new Error(`${source}: ${name} has shape [${t.shape}], expected [${shape}]`);
    if (!(t.data instanceof Float32Array)) throw new Error(`${source}: ${name} must be floating point`);
    const value = tf.tensor(t.data, shape, 'float32');
    params[name] = tf.variable(value, true);
    value.dispose();
  }
  return { config, params };
}
