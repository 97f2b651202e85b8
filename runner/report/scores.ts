// Per-row scores of a binary classifier's evaluation, read from its cache entry: actual.i32 (true class),
// predictions.i32 (predicted class) and probability.f32 (the predicted class's probability), as the evaluate
// stage writes them. With two classes the score of the positive class (id 1) follows exactly:
// p if class 1 was predicted, else 1 − p. Entries from before actual.i32 (evaluate version 1) give no scores.
import { join } from 'node:path';
import { readManifest } from '../cache/manifest.ts';
import { readTyped } from '../../stages/artifacts/typed-file.ts';

export interface BinaryScores {
  /** 0 or 1 per row. */
  actual: Int32Array;
  /** P(class 1) per row. */
  score: Float32Array;
}

export async function readBinaryScores(cacheRoot: string, fingerprint: string): Promise<BinaryScores | undefined> {
  if (!/^[0-9a-f]{64}$/.test(fingerprint)) return undefined;
  const dir = join(cacheRoot, fingerprint);
  const read = await readManifest(dir);
  if (read.status !== 'ok') return undefined;
  const names = ['actual.i32', 'predictions.i32', 'probability.f32'];
  if (!names.every((n) => n in read.manifest.files)) return undefined;
  try {
    const out = join(dir, 'out');
    const actual = await readTyped(join(out, 'actual.i32'), Int32Array);
    const predicted = await readTyped(join(out, 'predictions.i32'), Int32Array);
    const probability = await readTyped(join(out, 'probability.f32'), Float32Array);
    if (actual.length !== predicted.length || actual.length !== probability.length) return undefined;
    if (actual.some((a) => a !== 0 && a !== 1) || predicted.some((p) => p !== 0 && p !== 1)) return undefined;
    const score = probability.map((p, i) => (predicted[i] === 1 ? p : 1 - p));
    return { actual, score };
  } catch {
    return undefined;
  }
}
