// Moving the classifier between tfpipe and PyTorch: safetensors with state_dict names and shapes.
// A PyTorch file has no config; we infer it from the shapes (padIndex and dropout, which shapes cannot tell,
// come from the caller or default to 0). Files we write carry the full config in __metadata__.tfpipe_lstm_config.
import { readSafetensors, writeSafetensors, type NamedArray } from '../io/safetensors.ts';
import { lstmParamShapes, type LstmConfig } from './config.ts';
import { inferLstmConfig, lstmFromStateDict } from './state-dict.ts';
import type { LstmClassifier } from './model.ts';

export { inferLstmConfig, lstmFromStateDict } from './state-dict.ts';

const CONFIG_KEY = 'tfpipe_lstm_config';

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
