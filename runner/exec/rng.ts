// The seeded random generator handed to each stage: sfc32 (Small Fast Chaotic, 128-bit state), seeded through
// sha256 of (pipeline seed, stage kind, params fingerprint) so it depends only on what the fingerprint covers
// (two stages with the same fingerprint must produce the same bytes, since they share a cache entry).
import { createHash } from 'node:crypto';
import type { Rng } from '../../stages/stage.ts';

export function createRng(seed: number, label: string): Rng {
  const words = seedWords(`${seed}:${label}`);
  let [a, b, c, d] = words;
  const nextUint32 = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextUint32(); // warm-up, as sfc32's author recommends
  return {
    seed,
    next: () => nextUint32() / 4294967296,
    int: (n) => Math.floor((nextUint32() / 4294967296) * n),
    fork: (sub) => seedWords(`${seed}:${label}:${sub}`)[0],
  };
}

function seedWords(text: string): [number, number, number, number] {
  const digest = createHash('sha256').update(text).digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
}
