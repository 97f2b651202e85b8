// LoRA settings with peft's field names, and peft's adapter_config.json (read and written), so adapters move
// between tfpipe and `PeftModel.from_pretrained` both ways.

/** The two files of a peft adapter folder. */
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

export interface LoraConfig {
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  /** Module names (matched as peft does: equal, or the name ends with "." + entry) or one regex (full match). */
  target_modules: string[] | string;
  /** peft's rank-stabilised scaling alpha / sqrt(r) instead of alpha / r. */
  use_rslora: boolean;
  base_model_name_or_path: string | null;
}

export const LORA_DEFAULTS: LoraConfig = {
  r: 8,
  lora_alpha: 8,
  lora_dropout: 0,
  target_modules: ['c_attn'],
  use_rslora: false,
  base_model_name_or_path: null,
};

/** GPT-2's Conv1D modules a LoRA can target. */
export const GPT2_LORA_TARGETS = ['c_attn', 'c_proj', 'c_fc'] as const;

export function makeLoraConfig(partial: Partial<LoraConfig> = {}): LoraConfig {
  const config = { ...LORA_DEFAULTS, ...partial };
  validateLoraConfig(config, 'LoRA config');
  return config;
}

export function loraScaling(config: LoraConfig): number {
  return config.use_rslora ? config.lora_alpha / Math.sqrt(config.r) : config.lora_alpha / config.r;
}

/** peft's BaseTuner check: exact name, a "."-suffix match, or (for a string) a full regex match. */
export function isTargetModule(moduleName: string, targets: LoraConfig['target_modules']): boolean {
  if (typeof targets === 'string') return new RegExp(`^(?:${targets})$`).test(moduleName);
  return targets.some((t) => moduleName === t || moduleName.endsWith(`.${t}`));
}

/** Reads adapter_config.json's object, refusing the peft features tfpipe does not implement. */
export function parseAdapterConfig(json: unknown, source: string): LoraConfig {
  if (typeof json !== 'object' || json === null) throw new Error(`${source}: expected a JSON object`);
  const raw = json as Record<string, unknown>;
  if (raw.peft_type !== undefined && raw.peft_type !== 'LORA')
    throw new Error(`${source}: peft_type "${String(raw.peft_type)}" is not supported (allowed: LORA)`);
  const unsupported: [string, boolean][] = [
    ['use_dora', raw.use_dora === true],
    ['bias (other than "none")', raw.bias !== undefined && raw.bias !== 'none'],
    ['rank_pattern', isNonEmptyObject(raw.rank_pattern)],
    ['alpha_pattern', isNonEmptyObject(raw.alpha_pattern)],
    ['modules_to_save', Array.isArray(raw.modules_to_save) && raw.modules_to_save.length > 0],
    ['layers_to_transform', raw.layers_to_transform !== undefined && raw.layers_to_transform !== null],
    ['lora_bias', raw.lora_bias === true],
  ];
  for (const [name, used] of unsupported)
    if (used) throw new Error(`${source}: ${name} is not supported by tfpipe's LoRA`);
  const config: LoraConfig = {
    r: numberField(raw, 'r', LORA_DEFAULTS.r, source),
    lora_alpha: numberField(raw, 'lora_alpha', LORA_DEFAULTS.lora_alpha, source),
    lora_dropout: numberField(raw, 'lora_dropout', LORA_DEFAULTS.lora_dropout, source),
    target_modules: parseTargets(raw.target_modules, source),
    use_rslora: raw.use_rslora === true,
    base_model_name_or_path: typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : null,
  };
  validateLoraConfig(config, source);
  return config;
}

/** adapter_config.json as peft 0.21 writes it for a GPT-2 LoRA (Conv1D, hence fan_in_fan_out true). */
export function toAdapterConfigJson(config: LoraConfig): Record<string, unknown> {
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: config.base_model_name_or_path,
    bias: 'none',
    exclude_modules: null,
    fan_in_fan_out: true,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: config.lora_alpha,
    lora_bias: false,
    lora_dropout: config.lora_dropout,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    peft_type: 'LORA',
    r: config.r,
    rank_pattern: {},
    revision: null,
    target_modules: config.target_modules,
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: config.use_rslora,
  };
}

function validateLoraConfig(config: LoraConfig, source: string): void {
  if (!Number.isInteger(config.r) || config.r <= 0)
    throw new Error(`${source}: r must be a positive integer, found ${config.r}`);
  if (!(config.lora_alpha > 0)) throw new Error(`${source}: lora_alpha must be > 0, found ${config.lora_alpha}`);
  if (!(config.lora_dropout >= 0 && config.lora_dropout < 1))
    throw new Error(`${source}: lora_dropout must be in [0, 1), found ${config.lora_dropout}`);
  if (Array.isArray(config.target_modules) && config.target_modules.length === 0) {
    throw new Error(`${source}: target_modules is empty (GPT-2 modules: ${GPT2_LORA_TARGETS.join(', ')})`);
  }
}

function parseTargets(value: unknown, source: string): LoraConfig['target_modules'] {
  if (value === undefined || value === null) return LORA_DEFAULTS.target_modules;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value];
  throw new Error(`${source}: target_modules must be a list of module names or a regex string`);
}

function numberField(raw: Record<string, unknown>, key: string, fallback: number, source: string): number {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new Error(`${source}: ${key} must be a number, found ${JSON.stringify(value)}`);
  return value;
}

function isNonEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}
