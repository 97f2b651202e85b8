// What the fused attention programs (attention-forward.ts, attention-backward.ts) share: the tile sizes, the
// uniforms, the in-kernel dropout RNG, and a program that materialises the RNG's mask for tests.
//
// Layout (all programs): qkv [N, 3C], N = B·T, row n = b·T + t; q of head h at columns h·hs …, k at C + h·hs …,
// v at 2C + h·hs …; y and dY [N, C] with head h at columns h·hs …. Per-row statistics (L, D) are [B·nh·T] with
// index (b·nh + h)·T + t. Grid: x = block of ROWS positions, y = b·nh + h (so any B·nh ≤ 65535), z = role.
import * as tf from '@tensorflow/tfjs-core';
import { groupsFor, runProgram, type UniformValue, type WgslProgram } from '../../backend/webgpu/run-program.ts';

/** Positions per workgroup, one per invocation: query rows (forward, dQ) or key rows (dK, dV). */
export const ROWS = 64;
/** Floats per staged tile: TILE_FLOATS / max(hs, 64) rows of the other operand (keys in forward and dQ, queries in
 * dK and dV) per step — 16 rows at hs ≤ 64, 8 at hs 128 — so two tiles take 8 KiB of workgroup memory. */
export const TILE_FLOATS = 1024;

/** Rows per staged tile at head size hs. */
export function tileRows(hs: number): number {
  return TILE_FLOATS / Math.max(64, hs);
}

/**
 * Largest head size. Each invocation keeps up to three hs-long rows in registers (attention-backward.ts): 192 floats
 * at hs 64 (GPT-2) fit a GPU's 255 registers; at hs 128 they spill to local memory — correct, slower.
 */
export const MAX_HEAD_SIZE = 128;

export interface FusedAttentionShape {
  B: number;
  T: number;
  nh: number;
  hs: number;
}

/** Attention dropout drawn inside the kernels: keep (i, j) when hash(seed, b, h, i, j) ≥ rate, scaled 1/(1 − rate). */
export interface AttentionDropout {
  rate: number;
  seed: number;
}

/** The uniforms every fused attention program declares, in this order. Sizes live here, never in the WGSL text,
 * so one compiled pipeline serves every shape with the same hs. */
export const ATTENTION_UNIFORMS = 'B : i32, T : i32, nh : i32, scale : f32, seed : u32, rate : f32, dropScale : f32,';

export function attentionUniforms(
  { B, T, nh, hs }: FusedAttentionShape,
  dropout: AttentionDropout | null,
): UniformValue[] {
  return [
    { type: 'int32', data: [B] },
    { type: 'int32', data: [T] },
    { type: 'int32', data: [nh] },
    { type: 'float32', data: [1 / Math.sqrt(hs)] },
    { type: 'uint32', data: [(dropout?.seed ?? 0) >>> 0] },
    { type: 'float32', data: [dropout?.rate ?? 0] },
    // the composite path's mask value: float32(1 / (1 - rate))
    { type: 'float32', data: [dropout ? 1 / (1 - dropout.rate) : 1] },
  ];
}

/** Whether the kernels take this shape: hs ≤ 64 or a multiple of 64 up to MAX_HEAD_SIZE, B·nh within one grid axis. */
export function fusedShapeSupported({ B, T, nh, hs }: FusedAttentionShape): boolean {
  const positive = [B, T, nh, hs].every((v) => Number.isInteger(v) && v > 0);
  return positive && (hs <= 64 || (hs % 64 === 0 && hs <= MAX_HEAD_SIZE)) && B * nh <= 65535;
}

export function checkFusedShape(shape: FusedAttentionShape): void {
  if (!fusedShapeSupported(shape)) {
    const { B, T, nh, hs } = shape;
    throw new Error(
      `fused attention supports hs ≤ 64 or a multiple of 64 up to ${MAX_HEAD_SIZE} and B·nh ≤ 65535; got B ${B}, T ${T}, nh ${nh}, hs ${hs}`,
    );
  }
}

/**
 * WGSL: the dropout RNG. A counter-based hash (PCG's output permutation, Jarzynski & Olano 2020) absorbs seed,
 * b·nh + h, the query row i and the key j in turn; the top 24 bits give u in [0, 1). `headKey` is once per
 * workgroup, `rowKey` once per query row, so a (i, j) pair costs one hash where the row is fixed.
 */
/**
 * WGSL opening main() of the forward and backward programs: T, C, and the (batch b, head h) this workgroup works on
 * (bh = b·nh + h = workgroupId.y). Needs HS in scope.
 */
export const HEAD_COORDS_WGSL = `
        let T = uniforms.T;
        let C = uniforms.nh * HS;
        let bh = i32(workgroupId.y);
        let b = bh / uniforms.nh;
        let h = bh % uniforms.nh;`;

/**
 * WGSL that loads key tile t (keys t·TILE … t·TILE + TILE − 1 of head h, batch b) from QKV [N, 3C] into the
 * workgroup arrays `kName` and `vName` (TILE × HS each, zero past T), each invocation a strided share of it.
 * Needs b, h, t, T, C, HS, TILE and ROWS in scope (both attention programs have them).
 */
export function loadKeyTileWgsl(kName: string, vName: string): string {
  return `
          for (var e = i32(localIndex); e < TILE * HS; e += ROWS) {
            let j = t * TILE + e / HS;
            var kv = 0.0;
            var vv = 0.0;
            if (j < T) {
              let base = (b * T + j) * 3 * C + h * HS + e % HS;
              kv = QKV[base + C];
              vv = QKV[base + 2 * C];
            }
            ${kName}[e] = kv;
            ${vName}[e] = vv;
          }`;
}

export const DROPOUT_WGSL = `
  fn pcgHash(x : u32) -> u32 {
    let state = x * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
  }
  fn headKey(bh : i32) -> u32 { return pcgHash(pcgHash(uniforms.seed) ^ u32(bh)); }
  fn rowKey(head : u32, i : i32) -> u32 { return pcgHash(head ^ u32(i)); }
  // the dropout factor of P[i, j]: 0 or 1/(1 - rate)
  fn keepScale(row : u32, j : i32) -> f32 {
    let u = f32(pcgHash(row ^ u32(j)) >> 8u) * (1.0 / 16777216.0);
    return select(0.0, uniforms.dropScale, u >= uniforms.rate);
  }
`;

/**
 * The in-kernel dropout mask as a tensor (B, nh, T, T), already scaled by 1/(1 − rate): exactly the factors the
 * fused kernels apply, so the composite causalSelfAttention given this mask is the fused path's reference. Tests.
 */
export function attentionDropoutMask(shape: FusedAttentionShape, dropout: AttentionDropout): tf.Tensor4D {
  checkFusedShape(shape);
  const { B, T, nh } = shape;
  const program: WgslProgram = {
    variableNames: [],
    outputShape: [B, nh, T, T],
    shaderKey: 'tfpipe_attention_dropout_mask',
    dispatchLayout: { x: [0, 1, 2, 3] },
    dispatch: [groupsFor(T * T, 64), B * nh, 1],
    workgroupSize: [64, 1, 1],
    uniforms: ATTENTION_UNIFORMS,
    getUserCode: () => `
      ${DROPOUT_WGSL}
      fn main(index : i32) {
        let T = uniforms.T;
        let bh = i32(workgroupId.y);
        let e = i32(workgroupId.x) * 64 + i32(localIndex); // i·T + j within head bh
        if (e < T * T) {
          result[bh * T * T + e] = keepScale(rowKey(headKey(bh), e / T), e % T);
        }
      }`,
  };
  return runProgram<tf.Tensor4D>(program, [], 'float32', attentionUniforms(shape, dropout));
}
