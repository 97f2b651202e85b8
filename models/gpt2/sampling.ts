// Next-token choice from one position's logits, following Hugging Face generate's logits processors, in its
// order: repetition_penalty → no_repeat_ngram_size → (sampling only) temperature → top_k → top_p. Plain JS on a
// Float32Array [V]: one row per step is small next to the forward pass, and it is exact on every backend.

export interface SamplingOptions {
  /** false (default): greedy argmax. true: draw from the processed distribution with `seed`. */
  doSample?: boolean;
  /** Divides the logits before top_k/top_p (sampling only). Default 1. */
  temperature?: number;
  /** Keep the k highest logits, ties kept (sampling only). Default 50, as HF's GenerationConfig; 0 disables. */
  topK?: number;
  /** Keep the smallest set of highest-probability tokens whose mass exceeds p (sampling only). Default 1 (off). */
  topP?: number;
  /** HF: over tokens already in the sequence, positive logits divided by it, negative multiplied. Default 1. */
  repetitionPenalty?: number;
  /** HF: a token that would repeat an n-gram already in the sequence is banned. Default 0 (off). */
  noRepeatNgramSize?: number;
  seed?: number;
}

/** mulberry32: a tiny seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RepetitionPenaltyLogitsProcessor, in place. `sequence` holds the prompt and every token generated so far. */
export function applyRepetitionPenalty(scores: Float32Array, sequence: readonly number[], penalty: number): void {
  if (penalty === 1) return;
  for (const token of new Set(sequence)) {
    const s = scores[token];
    scores[token] = s < 0 ? s * penalty : s / penalty;
  }
}

/** NoRepeatNGramLogitsProcessor, in place: bans every token that would complete an n-gram seen before. */
export function applyNoRepeatNgram(scores: Float32Array, sequence: readonly number[], n: number): void {
  const len = sequence.length;
  if (n <= 0 || len + 1 < n) return;
  const prefix = sequence.slice(len + 1 - n, len).join(',');
  for (let start = 0; start + n <= len; start++) {
    if (sequence.slice(start, start + n - 1).join(',') === prefix) scores[sequence[start + n - 1]] = -Infinity;
  }
}

/** TopKLogitsWarper: scores below the k-th highest become -Infinity. */
export function applyTopK(scores: Float32Array, k: number): void {
  if (k <= 0 || k >= scores.length) return;
  const kth = Float32Array.from(scores).sort()[scores.length - k];
  for (let i = 0; i < scores.length; i++) if (scores[i] < kth) scores[i] = -Infinity;
}

/**
 * TopPLogitsWarper: sort ascending, drop the tokens whose cumulative probability is <= 1 - p, always
 * keeping the most likely one.
 */
export function applyTopP(scores: Float32Array, p: number): void {
  if (p >= 1) return;
  const order = Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b]);
  const probs = softmax(scores);
  let cumulative = 0;
  for (let r = 0; r < order.length - 1; r++) {
    cumulative += probs[order[r]];
    if (cumulative <= 1 - p) scores[order[r]] = -Infinity;
    else break;
  }
}

export function softmax(scores: Float32Array): Float64Array {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  const out = new Float64Array(scores.length);
  let total = 0;
  for (let i = 0; i < scores.length; i++) total += out[i] = Math.exp(scores[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

export function argmax(scores: Float32Array): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/** Picks the next token from raw logits [V] (modified in place) given the sequence so far. */
export function chooseNextToken(
  logits: Float32Array,
  sequence: readonly number[],
  options: SamplingOptions,
  random: () => number,
): number {
  applyRepetitionPenalty(logits, sequence, options.repetitionPenalty ?? 1);
  applyNoRepeatNgram(logits, sequence, options.noRepeatNgramSize ?? 0);
  if (!options.doSample) return argmax(logits);
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0)) throw new Error(`temperature must be > 0 when sampling, found ${temperature}`);
  if (temperature !== 1) for (let i = 0; i < logits.length; i++) logits[i] /= temperature;
  applyTopK(logits, options.topK ?? 50);
  applyTopP(logits, options.topP ?? 1);
  const probs = softmax(logits);
  let u = random();
  for (let i = 0; i < probs.length; i++) {
    u -= probs[i];
    if (u < 0) return i;
  }
  return argmax(logits); // rounding left u >= 0: the last kept token
}
