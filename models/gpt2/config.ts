// GPT-2 hyper-parameters, named as Hugging Face's GPT2Config names them (so config.json round-trips), with
// transformers' defaults and the limits a config is checked against.

export interface Gpt2Config {
  vocab_size: number;
  /** Longest sequence the position table covers (wpe rows). */
  n_positions: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  /** MLP width; null means 4 * n_embd, as in HF. */
  n_inner: number | null;
  layer_norm_epsilon: number;
  embd_pdrop: number;
  attn_pdrop: number;
  resid_pdrop: number;
  initializer_range: number;
  bos_token_id: number;
  eos_token_id: number;
}

/** The sizes one must choose; everything else has GPT-2's defaults. */
export type Gpt2Shape = Pick<Gpt2Config, 'n_layer' | 'n_head' | 'n_embd'> & Partial<Gpt2Config>;

export const GPT2_DEFAULTS: Gpt2Config = {
  vocab_size: 50257,
  n_positions: 1024,
  n_embd: 768,
  n_layer: 12,
  n_head: 12,
  n_inner: null,
  layer_norm_epsilon: 1e-5,
  embd_pdrop: 0.1,
  attn_pdrop: 0.1,
  resid_pdrop: 0.1,
  initializer_range: 0.02,
  bos_token_id: 50256,
  eos_token_id: 50256,
};

/**
 * Upper bounds on the sizes, far above any released GPT-2 (gpt2-xl: 48 layers, n_embd 1600; GPT-3: 96 and 12288)
 * and low enough that the parameter count of any config within them is an exact double: a typo such as
 * `n_layer: 1000000` is refused by name before anything is measured or allocated. Whether a config within them fits
 * is size.ts's question. The stage schemas' `init` carries the same maxima (test/models/gpt2/size.test.ts).
 */
export const GPT2_LIMITS = {
  n_layer: 256,
  n_head: 256,
  n_embd: 32768,
  n_inner: 131072,
  n_positions: 131072,
  vocab_size: 1048576,
} as const satisfies Partial<Record<keyof Gpt2Config, number>>;

export function makeGpt2Config(shape: Gpt2Shape): Gpt2Config {
  const config = { ...GPT2_DEFAULTS, ...shape };
  validateGpt2Config(config, 'GPT-2 config');
  return config;
}

export function mlpWidth(config: Gpt2Config): number {
  return config.n_inner ?? 4 * config.n_embd;
}

/** Reads HF's config.json object; `source` names the file in errors. */
export function parseHfGpt2Config(json: unknown, source: string): Gpt2Config {
  if (typeof json !== 'object' || json === null) throw new Error(`${source}: expected a JSON object`);
  const raw = json as Record<string, unknown>;
  if (raw.model_type !== undefined && raw.model_type !== 'gpt2') {
    throw new Error(
      `${source}: model_type is "${String(raw.model_type)}", tfpipe's GPT-2 loader reads model_type "gpt2"`,
    );
  }
  const activation = raw.activation_function ?? 'gelu_new';
  if (activation !== 'gelu_new')
    throw new Error(`${source}: activation_function "${String(activation)}" is not supported (allowed: gelu_new)`);
  if (raw.add_cross_attention === true) throw new Error(`${source}: add_cross_attention is not supported`);
  if (raw.scale_attn_by_inverse_layer_idx === true)
    throw new Error(`${source}: scale_attn_by_inverse_layer_idx is not supported`);
  if (raw.scale_attn_weights === false) throw new Error(`${source}: scale_attn_weights false is not supported`);
  if (raw.tie_word_embeddings === false)
    throw new Error(`${source}: tie_word_embeddings false is not supported (tfpipe ties lm_head to wte)`);
  const config = { ...GPT2_DEFAULTS };
  for (const key of Object.keys(GPT2_DEFAULTS) as (keyof Gpt2Config)[]) {
    const value = raw[key];
    if (value === undefined) continue;
    if (key === 'n_inner' && value === null) continue;
    if (typeof value !== 'number')
      throw new Error(`${source}: ${key} must be a number, found ${JSON.stringify(value)}`);
    (config as Record<string, number | null>)[key] = value;
  }
  validateGpt2Config(config, source);
  return config;
}

/** config.json as transformers writes it for GPT2LMHeadModel, so AutoModelForCausalLM reads our checkpoints. */
export function toHfGpt2Config(config: Gpt2Config): Record<string, unknown> {
  return {
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    ...config,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    tie_word_embeddings: true,
    use_cache: true,
    torch_dtype: 'float32',
  };
}

function validateGpt2Config(config: Gpt2Config, source: string): void {
  const positive = ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head'] as const;
  for (const key of positive) {
    if (!Number.isInteger(config[key]) || config[key] <= 0)
      throw new Error(`${source}: ${key} must be a positive integer, found ${config[key]}`);
  }
  if (config.n_inner !== null && (!Number.isInteger(config.n_inner) || config.n_inner <= 0))
    throw new Error(`${source}: n_inner must be a positive integer or null, found ${config.n_inner}`);
  for (const [key, max] of Object.entries(GPT2_LIMITS) as [keyof typeof GPT2_LIMITS, number][]) {
    const value = config[key];
    if (value !== null && value > max)
      throw new Error(`${source}: ${key} is ${value}, above tfpipe's limit of ${max} for a GPT-2`);
  }
  if (config.n_embd % config.n_head !== 0) {
    throw new Error(`${source}: n_embd (${config.n_embd}) must be divisible by n_head (${config.n_head})`);
  }
  for (const key of ['embd_pdrop', 'attn_pdrop', 'resid_pdrop'] as const) {
    if (!(config[key] >= 0 && config[key] < 1))
      throw new Error(`${source}: ${key} must be in [0, 1), found ${config[key]}`);
  }
}
