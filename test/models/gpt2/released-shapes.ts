// The shapes of the four GPT-2 checkpoints OpenAI released (their config.json files on the Hugging Face Hub), for
// the size and parameter-count tests: the models tfpipe must be able to size, whatever the fixtures hold.
import type { Gpt2Shape } from '../../../models/gpt2/config.ts';

export const RELEASED_GPT2_SHAPES = {
  gpt2: { n_layer: 12, n_head: 12, n_embd: 768 }, // 124M
  'gpt2-medium': { n_layer: 24, n_head: 16, n_embd: 1024 }, // 355M
  'gpt2-large': { n_layer: 36, n_head: 20, n_embd: 1280 }, // 774M
  'gpt2-xl': { n_layer: 48, n_head: 25, n_embd: 1600 }, // 1558M
} as const satisfies Record<string, Gpt2Shape>;
