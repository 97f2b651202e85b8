// Moving the classifier between tfpipe and PyTorch: safetensors with state_dict names and shapes.
// A PyTorch file has no config; we infer it from the shapes (padIndex and dropout, which shapes cannot tell,
// come from the caller or default to 0). Files we write carry the full config in __metadata__.tfpipe_lstm_config.
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, writeSafetensors, type NamedArray } from '../io/safetensors.ts';
import { lstmParamShapes, validateLstmConfig, type LstmConfig } from './config.ts';
import type { LstmClassifier } from './model.ts';

const CONFIG_KEY = 'tfpipe_lstm_config';

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

/** The parameters by state_dict name, read back from the device (asynchronously: webgpu cannot read synchronously). */
export async function lstmStateDict(model: LstmClassifier): Promise<Record<string, NamedArray>> {
  const read = await Promise.all(
    lstmParamShapes(model.config).map(
      async ([name, shape]) => [name, { shape, data: (await model.params[name].data()) as Float32Array }] as const,
    ),
  );
  return Object.fromEntries(read);
}

export async function saveLstmSafetensors(model: LstmClassifier, path: string): Promise<void> {
  await writeSafetensors(path, await lstmStateDict(model), {
    format: 'pt',
    [CONFIG_KEY]: JSON.stringify(model.config),
  });
}

/** Reads a tfpipe or PyTorch file; `overrides` fill what a PyTorch file cannot say (padIndex, dropout). */
export async function loadLstmSafetensors(
  path: string,
  overrides: Partial<Pick<LstmConfig, 'padIndex' | 'dropout'>> = {},
): Promise<LstmClassifier> {
  const file = await readSafetensors(path);
  const stored = file.metadata[CONFIG_KEY];
  const config: LstmConfig = stored
    ? { ...(JSON.parse(stored) as LstmConfig), ...overrides }
    : inferLstmConfig(file.tensors, overrides);
  return lstmFromStateDict(file.tensors, config, path);
}
