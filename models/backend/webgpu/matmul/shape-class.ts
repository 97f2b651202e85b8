// Shape classes: products the tuner times once and whose winner serves every product of the class. Transposes
// change the load pattern; the output's size decides whether small tiles (more workgroups) pay. K is left out on
// purpose: a product and its K blocks (matmul-k-blocks.ts) must run the same config.
import type { MatMulProblem } from './wgsl.ts';

export type ShapeClass = `${'n' | 't'}${'n' | 't'}-${'small' | 'large'}`;

/** Outputs (batch · M · N) from this many elements are 'large': 256 × 256 and up. */
const LARGE_OUTPUT = 65536;

export function shapeClassOf(p: Pick<MatMulProblem, 'batch' | 'M' | 'N' | 'transposeA' | 'transposeB'>): ShapeClass {
  const t = `${p.transposeA ? 't' : 'n'}${p.transposeB ? 't' : 'n'}` as const;
  return `${t}-${p.batch * p.M * p.N >= LARGE_OUTPUT ? 'large' : 'small'}`;
}

/** Every class, the ones the models use most first (the tuner's time cap may leave the last ones untimed). */
export const SHAPE_CLASSES: ShapeClass[] = [
  'nn-large',
  'nt-large',
  'tn-large',
  'nn-small',
  'nt-small',
  'tn-small',
  'tt-large',
  'tt-small',
];

/**
 * The product the tuner starts from for a class: [batch, M, K] @ [K, N], small enough for a software adapter (the
 * tuner grows the large ones on a GPU, where these take well under a millisecond).
 */
export function representative(c: ShapeClass): { batch: number; M: number; N: number; K: number } {
  return c.endsWith('large') ? { batch: 1, M: 512, N: 512, K: 256 } : { batch: 4, M: 64, N: 96, K: 128 };
}
