// Fused causal self-attention, forward (flash-style): qkv [N, 3C] → y [N, C] and the row log-sum-exp L, in one
// dispatch, without the (B, nh, T, T) scores ever reaching memory.
//
// Grid (ceil(T / ROWS), B·nh, 1); workgroup of ROWS invocations = one (b, h) and ROWS query rows i0 … i0+ROWS−1.
// Invocation i keeps its scaled query row q·(1/√hs) and its output accumulator o in registers (2·hs floats), and a
// running max m and sum l (online softmax). The workgroup walks the key tiles j0 = 0, TILE, … up to its last row
// (causal: the blocks above the diagonal are never loaded): it stages K and V [TILE, hs] in workgroup memory, then
// every invocation scores its row against the TILE keys, rescales o and l once per tile by exp(m_old − m_new), and
// adds p·keep(i, j)·v_j. Dropout scales only what reaches o; l sums the undropped exp, as softmax-then-dropout does.
//
// Output: one program has one output, so y and L are packed into one buffer [N·C + B·nh·T] — y in its [N, C] layout
// (row b·T + i, columns h·hs …) first, then L = m + log l at N·C + (b·nh + h)·T + i — and sliced apart afterwards.
// Why packed, not a second program for L: L needs the whole score row, so a separate program would redo Q·Kᵀ (half
// the forward); the slices are two plain copies (N·C and B·nh·T floats), far cheaper.
//
// Workgroup memory: K and V tiles, 2·TILE·hs floats = 8 KiB (TILE 16 at hs ≤ 64, 8 at hs 128), half WebGPU's
// 16 KiB default. On an H200 (up to 228 KiB per SM) a taller key tile (64) would halve the barriers per key, and a
// matmul-style register tile (several rows × several keys per invocation) would cut workgroup-memory reads per FMA.
import * as tf from '@tensorflow/tfjs-core';
import { groupsFor, runProgram, type WgslProgram } from '../../backend/webgpu/run-program.ts';
import {
  ATTENTION_UNIFORMS,
  attentionUniforms,
  checkFusedShape,
  DROPOUT_WGSL,
  HEAD_COORDS_WGSL,
  loadKeyTileWgsl,
  ROWS,
  tileRows,
  type AttentionDropout,
  type FusedAttentionShape,
} from './attention-wgsl.ts';

function forwardProgram({ B, T, nh, hs }: FusedAttentionShape, dropping: boolean): WgslProgram {
  const C = nh * hs;
  const TILE = tileRows(hs);
  return {
    variableNames: ['QKV'],
    outputShape: [B * T * C + B * nh * T],
    shaderKey: `tfpipe_attention_forward_hs${hs}_rows${ROWS}_tile${TILE}_${dropping ? 'drop' : 'nodrop'}`,
    dispatchLayout: { x: [0] },
    dispatch: [groupsFor(T, ROWS), B * nh, 1],
    workgroupSize: [ROWS, 1, 1],
    uniforms: ATTENTION_UNIFORMS,
    getUserCode: () => `
      const HS = ${hs};
      const ROWS = ${ROWS};
      const TILE = ${TILE};
      var<workgroup> kTile : array<f32, ${TILE * hs}>; // [TILE, hs]
      var<workgroup> vTile : array<f32, ${TILE * hs}>;
      var<workgroup> tileCount : i32;
      ${dropping ? DROPOUT_WGSL : ''}

      fn main(index : i32) {
        ${HEAD_COORDS_WGSL}
        let i0 = i32(workgroupId.x) * ROWS;
        let i = i0 + i32(localIndex);
        let rowValid = i < T;
        var q : array<f32, HS>;
        var o : array<f32, HS>;
        if (rowValid) {
          let base = (b * T + i) * 3 * C + h * HS;
          for (var d = 0; d < HS; d++) { q[d] = QKV[base + d] * uniforms.scale; }
        }
        ${dropping ? 'let row = rowKey(headKey(bh), i);' : ''}
        var m = -3.0e38;
        var l = 0.0;
        // keys 0 … min(i0 + ROWS, T) − 1; a workgroup-uniform count, as the barriers need
        if (localIndex == 0u) { tileCount = (min(i0 + ROWS, T) + TILE - 1) / TILE; }
        let tiles = workgroupUniformLoad(&tileCount);
        for (var t = 0; t < tiles; t++) {
          let j0 = t * TILE;
          ${loadKeyTileWgsl('kTile', 'vTile')}
          workgroupBarrier();
          var s : array<f32, TILE>;
          var tileMax = m;
          for (var jr = 0; jr < TILE; jr++) {
            var acc = 0.0;
            for (var d = 0; d < HS; d++) { acc += q[d] * kTile[jr * HS + d]; }
            s[jr] = acc;
            if (j0 + jr <= i) { tileMax = max(tileMax, acc); }
          }
          let corr = exp(m - tileMax);
          l *= corr;
          for (var d = 0; d < HS; d++) { o[d] *= corr; }
          m = tileMax;
          for (var jr = 0; jr < TILE; jr++) {
            if (j0 + jr <= i) {
              let p = exp(s[jr] - m);
              l += p;
              let pv = p${dropping ? ' * keepScale(row, j0 + jr)' : ''};
              for (var d = 0; d < HS; d++) { o[d] += pv * vTile[jr * HS + d]; }
            }
          }
          workgroupBarrier();
        }
        if (rowValid) {
          let inv = 1.0 / l;
          let base = (b * T + i) * C + h * HS;
          for (var d = 0; d < HS; d++) { result[base + d] = o[d] * inv; }
          result[uniforms.B * T * C + bh * T + i] = m + log(l);
        }
      }`,
  };
}

/**
 * qkv [N, 3C] → y [N, C] (the heads merged, as c_proj takes them) and L [B·nh·T] (log Σ_j exp(s_ij), the softmax
 * normaliser the backward recomputes P from). 3 dispatches: the kernel and two slices.
 */
export function attentionForward(
  qkv: tf.Tensor2D,
  shape: FusedAttentionShape,
  dropout: AttentionDropout | null,
): { y: tf.Tensor2D; L: tf.Tensor1D } {
  checkFusedShape(shape);
  const { B, T, nh, hs } = shape;
  const NC = B * T * nh * hs;
  return tf.tidy(() => {
    const packed = runProgram<tf.Tensor1D>(
      forwardProgram(shape, dropout !== null),
      [qkv],
      'float32',
      attentionUniforms(shape, dropout),
    );
    const y = tf.reshape(tf.slice(packed, [0], [NC]), [B * T, nh * hs]) as tf.Tensor2D;
    const L = tf.slice(packed, [NC], [B * nh * T]);
    return { y, L };
  });
}
