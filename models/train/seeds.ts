// The run's random draws as pure functions of (seed, epoch, batch): weight initialisation tags, each epoch's
// shuffle and each batch's dropout seed. No generator state exists, so a checkpoint needs none to resume
// bit-identical (loop.ts).

/** A 32-bit seed from integers (murmur3's finaliser over each part). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Dropout seed of batch `batch` (0-based) of epoch `epoch` (1-based). */
export function batchSeed(seed: number, epoch: number, batch: number): number {
  return mixSeed(seed, epoch, batch, 0xd509);
}

/** The order epoch `epoch` visits n examples in: Fisher–Yates driven by mulberry32 seeded from (seed, epoch). */
export function shuffleOrder(n: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let state = mixSeed(seed, epoch, 0x5348);
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}
