// Autoregressive generation with a KV cache: the prompt is run once, then one position per step, attending to
// the cached keys/values. Stopping follows HF: max_new_tokens (or max_length, counting the prompt; default 20),
// eos_token_id (the eos token is kept), and the model's n_positions.
import { disposeKvCache, forwardGpt2, type Gpt2Model, type KvCache } from './model.ts';
import { chooseNextToken, seededRandom, type SamplingOptions } from './sampling.ts';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens?: number;
  /** Total length, prompt included (HF max_length); ignored when maxNewTokens is set. Default 20. */
  maxLength?: number;
  /** Stop after emitting this token; default config.eos_token_id; null never stops early. */
  eosTokenId?: number | null;
  /** false: recompute the whole sequence each step (slow; for checking the cache). Default true. */
  useCache?: boolean;
  /**
   * Called after every step with the new token (e.g. to stream text or report progress). A returned promise is
   * awaited before the next step (a page lets the browser paint and see a stop click); a throw stops generation.
   */
  onToken?: (token: number, step: number) => void | Promise<void>;
}

export type StopReason = 'max-tokens' | 'eos' | 'n-positions';

export interface GenerateResult {
  /** Prompt followed by the generated tokens. */
  ids: number[];
  newIds: number[];
  stopReason: StopReason;
}

export async function generateGpt2(
  model: Gpt2Model,
  prompt: readonly number[],
  options: GenerateOptions = {},
): Promise<GenerateResult> {
  if (prompt.length === 0) throw new Error('generate needs a prompt of at least one token');
  if (prompt.length > model.config.n_positions)
    throw new Error(`prompt of ${prompt.length} tokens exceeds n_positions ${model.config.n_positions}`);
  const { config } = model;
  const maxNew = options.maxNewTokens ?? Math.max(0, (options.maxLength ?? 20) - prompt.length);
  const eos = options.eosTokenId === undefined ? config.eos_token_id : options.eosTokenId;
  const useCache = options.useCache ?? true;
  const random = seededRandom(options.seed ?? 0);
  const ids = [...prompt];
  let cache: KvCache | undefined;
  let pending: number[] = [...prompt]; // positions not yet in the cache
  let stopReason: StopReason = 'max-tokens';
  try {
    for (let step = 0; step < maxNew; step++) {
      if (ids.length > config.n_positions) {
        stopReason = 'n-positions';
        break;
      }
      const input = useCache ? pending : ids;
      const { logits, cache: next } = forwardGpt2(model, [input], {
        past: cache,
        returnCache: useCache,
        lastPositionOnly: true,
      });
      if (useCache) {
        disposeKvCache(cache);
        cache = next;
      }
      const scores = (await logits.data()) as Float32Array;
      logits.dispose();
      const token = chooseNextToken(scores, ids, options, random);
      ids.push(token);
      pending = [token];
      await options.onToken?.(token, step);
      if (eos !== null && token === eos) {
        stopReason = 'eos';
        break;
      }
    }
  } finally {
    disposeKvCache(cache);
  }
  return { ids, newIds: ids.slice(prompt.length), stopReason };
}
