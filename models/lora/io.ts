// peft adapter folders: adapter_config.json + adapter_model.safetensors with peft's key names
// (`base_model.model.transformer.h.0.attn.c_attn.lora_A.weight` [r, in], `...lora_B.weight` [out, r]).
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile } from '../io/json-file.ts';
import { readSafetensors, writeSafetensors, type NamedArray } from '../io/safetensors.ts';
import { type Gpt2Model } from '../gpt2/model.ts';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  parseAdapterConfig,
  toAdapterConfigJson,
  type LoraConfig,
} from './config.ts';
import { attachLora, findLoraTargets, loraParamName, type LoraState } from './lora.ts';

export async function saveLoraAdapter(state: LoraState, dir: string, baseModelNameOrPath?: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const arrays: Record<string, NamedArray> = {};
  for (const [name, variable] of Object.entries(state.params)) {
    arrays[name] = { shape: variable.shape, data: (await variable.data()) as Float32Array };
  }
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), arrays, { format: 'pt' });
  const config: LoraConfig = {
    ...state.config,
    base_model_name_or_path: baseModelNameOrPath ?? state.config.base_model_name_or_path,
  };
  await writeFile(join(dir, ADAPTER_CONFIG_FILE), JSON.stringify(toAdapterConfigJson(config), null, 2) + '\n');
}

export async function readLoraConfig(dir: string): Promise<LoraConfig> {
  const path = join(dir, ADAPTER_CONFIG_FILE);
  if (!existsSync(path))
    throw new Error(
      `${dir}: no ${ADAPTER_CONFIG_FILE} (a peft adapter folder holds ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE})`,
    );
  return parseAdapterConfig(await readJsonFile(path), path);
}

/**
 * Loads a peft LoRA adapter onto the model (attaching it, base frozen). Every key and shape is checked:
 * missing and unexpected keys and wrong shapes are reported together.
 */
export async function loadLoraAdapter(model: Gpt2Model, dir: string): Promise<LoraState> {
  const config = await readLoraConfig(dir);
  const weightsPath = join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(weightsPath)) {
    const torch = existsSync(join(dir, 'adapter_model.bin'));
    throw new Error(
      `${dir}: no ${ADAPTER_WEIGHTS_FILE}${torch ? ' (found adapter_model.bin; tfpipe reads safetensors: re-save with save_pretrained(..., safe_serialization=True))' : ''}`,
    );
  }
  const { tensors } = await readSafetensors(weightsPath);
  const expected = new Map<string, number[]>();
  for (const { module, fanIn, fanOut } of findLoraTargets(model, config)) {
    expected.set(loraParamName(module, 'A'), [config.r, fanIn]);
    expected.set(loraParamName(module, 'B'), [fanOut, config.r]);
  }
  const problems: string[] = [];
  const values = new Map<string, Float32Array>();
  for (const [rawName, array] of tensors) {
    const name = rawName.replace('.default.weight', '.weight'); // in-memory state_dict names carry the adapter name
    const shape = expected.get(name);
    if (!shape) problems.push(`unexpected key ${rawName} (shape [${array.shape}])`);
    else if (array.shape.join(',') !== shape.join(','))
      problems.push(`key ${rawName}: expected shape [${shape}], found [${array.shape}]`);
    else if (!(array.data instanceof Float32Array)) problems.push(`key ${rawName}: integer tensor, expected floats`);
    else values.set(name, array.data);
  }
  for (const [name, shape] of expected) {
    if (!tensors.has(name) && !values.has(name)) problems.push(`missing key ${name} (expected shape [${shape}])`);
  }
  if (problems.length > 0)
    throw new Error(
      `${weightsPath}: the adapter does not match ${ADAPTER_CONFIG_FILE} and the model:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  return attachLora(model, config, 0, values);
}
