// A GPT-2's size before any of it exists: parameters from the config alone (closed form, so even an absurd config
// costs nothing to measure), and the bytes its float32 weights hold for each use — inference, full training with
// AdamW (weights + gradients + the two moment estimates m and v: 4 copies), or training an adapter on a frozen base
// (the base once; the adapter is small and checked by its own stage). Activations depend on batch × length and are
// not counted: the figure is a floor, which is what a refusal needs.
import { mlpWidth, type Gpt2Config } from './config.ts';
import { assertFits, memoryBudget, type MemoryBudget, type MemoryNeed } from '../backend/memory.ts';

/** What the model will be used for: how many float32 copies of its weights training keeps. */
export type Gpt2Use = 'inference' | 'full-training' | 'adapter-training';

const COPIES: Record<Gpt2Use, { copies: number; label: string }> = {
  inference: { copies: 1, label: 'weights' },
  'full-training': { copies: 4, label: 'weights, gradients, AdamW m and v' },
  'adapter-training': { copies: 1, label: 'frozen weights' },
};

/** The parameter count gpt2ParamShapes sums to (lm_head tied to wte, not counted twice). */
export function gpt2ParamCount(config: Gpt2Config): number {
  const C = config.n_embd;
  const F = mlpWidth(config);
  // ln_1, ln_2: 2C each · c_attn: C·3C + 3C · attn c_proj: C·C + C · c_fc: C·F + F · mlp c_proj: F·C + C
  const block = 4 * C + (3 * C * C + 3 * C) + (C * C + C) + (C * F + F) + (F * C + C);
  return config.vocab_size * C + config.n_positions * C + config.n_layer * block + 2 * C;
}

/** Bytes the model needs for `use`, and its largest tensor (wte, or an MLP weight when F·C is larger). */
export function gpt2MemoryNeed(config: Gpt2Config, use: Gpt2Use): MemoryNeed {
  const params = gpt2ParamCount(config);
  const { copies, label } = COPIES[use];
  const C = config.n_embd;
  const largest = 4 * Math.max(config.vocab_size * C, config.n_positions * C, 3 * C * C, mlpWidth(config) * C);
  return {
    total: params * 4 * copies,
    largestTensor: largest,
    detail: `${formatCount(params)} parameters × 4 bytes${copies > 1 ? ` × ${copies} (${label})` : ` (${label})`}`,
  };
}

/**
 * Refuses, before any allocation, a GPT-2 that cannot fit the active backend's memory for `use`; `what` names where
 * the config came from (its config.json, or "base `init`").
 */
export function assertGpt2Fits(
  config: Gpt2Config,
  use: Gpt2Use,
  what: string,
  budget: MemoryBudget = memoryBudget(),
): void {
  assertFits(
    gpt2MemoryNeed(config, use),
    budget,
    `${what}: a GPT-2 of n_layer ${config.n_layer}, n_embd ${config.n_embd}, vocab_size ${config.vocab_size}, for ${use},`,
  );
}

/** 124439808 → "124.4M"; 1.2e12 → "1.2T". */
function formatCount(n: number): string {
  for (const [unit, scale] of [
    ['T', 1e12],
    ['B', 1e9],
    ['M', 1e6],
    ['K', 1e3],
  ] as const) {
    if (n >= scale) return `${(n / scale).toFixed(1)}${unit}`;
  }
  return String(n);
}
