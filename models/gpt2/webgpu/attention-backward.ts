// Fused causal self-attention, backward (flash-style, FlashAttention-2's split without atomics):
// dY [N, C], qkv, y, L → d qkv [N, 3C] in two dispatches, recomputing P = exp(S − L) tile by tile instead of
// reading a stored (B, nh, T, T) probability tensor.
//   1. D = rowsum(dY ∘ Y) per (b, h, i)  [B·nh·T] — the softmax backward's Σ_j dP_ij·P_ij (with dropout too:
//      Σ_j (dO_i·v_j)·keep_ij·P_ij = dO_i·O_i).
//   2. One program, grid (ceil(T / ROWS), B·nh, 3); z is the role, so all three write the one output d qkv, each
//      its own column range, with no atomics and no concat:
//      z = 0, dQ: invocation = query row i; registers q_i·scale, dO_i, dq_i (3·hs); loops over key tiles up to the
//                 diagonal (K, V staged): ds = p·(dO_i·v_j·keep − D_i), dq_i += ds·k_j; writes dq_i·scale.
//      z = 1, dK: invocation = key row j; registers k_j, v_j, dk_j (3·hs); loops over query tiles from j on
//                 (Q·scale, dO, L, D staged): dk_j += ds·q_i·scale.
//      z = 2, dV: invocation = key row j; registers k_j, dv_j (2·hs); dv_j += p·keep·dO_i.
//   dK and dV are separate roles (FlashAttention-2 fuses them) so no invocation holds more than 3·hs floats
//   (192 at hs 64, within a GPU's 255 registers); the price is one extra q·k per (i, j): 8·hs FMAs per pair, not 7.
//
// Workgroup memory: two [TILE, hs] tiles + two TILE rows = 8.1 KiB (TILE 16 at hs ≤ 64, 8 at hs 128). On an H200
// the roles would gain from taller tiles (fewer barriers) and from register tiling (several rows per invocation),
// as the forward would.
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

/** D[(b·nh + h)·T + i] = Σ_d dY[b·T + i, h·hs + d] · Y[b·T + i, h·hs + d]; invocation = one (b, h, i). */
function rowDotProgram({ B, T, nh, hs }: FusedAttentionShape): WgslProgram {
  return {
    variableNames: ['DY', 'Y'],
    outputShape: [B * nh * T],
    shaderKey: `tfpipe_attention_row_dot_hs${hs}_rows${ROWS}`,
    dispatchLayout: { x: [0] },
    dispatch: [groupsFor(T, ROWS), B * nh, 1],
    workgroupSize: [ROWS, 1, 1],
    uniforms: ATTENTION_UNIFORMS,
    getUserCode: () => `
      const HS = ${hs};
      fn main(index : i32) {
        let T = uniforms.T;
        let bh = i32(workgroupId.y);
        let i = i32(workgroupId.x) * ${ROWS} + i32(localIndex);
        if (i < T) {
          let base = ((bh / uniforms.nh) * T + i) * uniforms.nh * HS + (bh % uniforms.nh) * HS;
          var acc = 0.0;
          for (var d = 0; d < HS; d++) { acc += DY[base + d] * Y[base + d]; }
          result[bh * T + i] = acc;
        }
      }`,
  };
}

function gradProgram({ B, T, nh, hs }: FusedAttentionShape, dropping: boolean): WgslProgram {
  const TILE = tileRows(hs);
  const keep = (row: string, j: string) => (dropping ? ` * keepScale(${row}, ${j})` : '');
  return {
    variableNames: ['QKV', 'DY', 'L', 'D'],
    outputShape: [B * T, 3 * nh * hs],
    shaderKey: `tfpipe_attention_backward_hs${hs}_rows${ROWS}_tile${TILE}_${dropping ? 'drop' : 'nodrop'}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: [groupsFor(T, ROWS), B * nh, 3],
    workgroupSize: [ROWS, 1, 1],
    uniforms: ATTENTION_UNIFORMS,
    getUserCode: () => `
      const HS = ${hs};
      const ROWS = ${ROWS};
      const TILE = ${TILE};
      var<workgroup> tileA : array<f32, ${TILE * hs}>; // K (dQ) or Q·scale (dK, dV), [TILE, hs]
      var<workgroup> tileB : array<f32, ${TILE * hs}>; // V (dQ) or dO (dK, dV)
      var<workgroup> rowL : array<f32, TILE>;           // L, D of the staged query rows (dK, dV)
      var<workgroup> rowD : array<f32, TILE>;
      var<workgroup> uniformInts : vec2<i32>;            // role, tile count
      ${dropping ? DROPOUT_WGSL : ''}

      fn main(index : i32) {
        ${HEAD_COORDS_WGSL}
        let r0 = i32(workgroupId.x) * ROWS;  // first query row (dQ) or key row (dK, dV) of this workgroup
        let r = r0 + i32(localIndex);
        let rowValid = r < T;
        let own = (b * T + r) * 3 * C + h * HS; // this row's q in qkv; k at + C, v at + 2C
        let scale = uniforms.scale;
        ${dropping ? 'let head = headKey(bh);' : ''}
        if (localIndex == 0u) {
          let role = i32(workgroupId.z);
          // dQ: keys 0 … min(r0 + ROWS, T) − 1; dK, dV: queries r0 … T − 1
          let span = select(T - r0, min(r0 + ROWS, T), role == 0);
          uniformInts = vec2<i32>(role, (span + TILE - 1) / TILE);
        }
        let wgInts = workgroupUniformLoad(&uniformInts);
        let role = wgInts.x;
        let tiles = wgInts.y;
        var a : array<f32, HS>;   // dQ: q·scale;  dK, dV: k
        var g : array<f32, HS>;   // dQ: dO;       dK: v
        var acc : array<f32, HS>; // dq, dk or dv
        var Li = 0.0;
        var Di = 0.0;
        if (rowValid) {
          if (role == 0) {
            for (var d = 0; d < HS; d++) { a[d] = QKV[own + d] * scale; g[d] = DY[(b * T + r) * C + h * HS + d]; }
            Li = L[bh * T + r];
            Di = D[bh * T + r];
          } else {
            for (var d = 0; d < HS; d++) { a[d] = QKV[own + C + d]; }
            if (role == 1) { for (var d = 0; d < HS; d++) { g[d] = QKV[own + 2 * C + d]; } }
          }
        }
        ${dropping ? 'let row = rowKey(head, r);' : ''}
        for (var t = 0; t < tiles; t++) {
          if (role == 0) {
            ${loadKeyTileWgsl('tileA', 'tileB')}
          } else {
            let i0 = r0 + t * TILE;
            for (var e = i32(localIndex); e < TILE * HS; e += ROWS) {
              let i = i0 + e / HS;
              var qv = 0.0;
              var dov = 0.0;
              if (i < T) {
                qv = QKV[(b * T + i) * 3 * C + h * HS + e % HS] * scale;
                dov = DY[(b * T + i) * C + h * HS + e % HS];
              }
              tileA[e] = qv;
              tileB[e] = dov;
            }
            if (i32(localIndex) < TILE) {
              let i = i0 + i32(localIndex);
              rowL[localIndex] = select(0.0, L[bh * T + i], i < T);
              rowD[localIndex] = select(0.0, D[bh * T + i], i < T);
            }
          }
          workgroupBarrier();
          for (var k = 0; k < TILE; k++) {
            if (role == 0) {
              let j = t * TILE + k;
              if (j <= r) {
                var s = 0.0;
                var dp = 0.0;
                for (var d = 0; d < HS; d++) { s += a[d] * tileA[k * HS + d]; dp += g[d] * tileB[k * HS + d]; }
                let ds = exp(s - Li) * (dp${keep('row', 'j')} - Di);
                for (var d = 0; d < HS; d++) { acc[d] += ds * tileA[k * HS + d]; }
              }
            } else {
              let i = r0 + t * TILE + k;
              if (i < T && r <= i) {
                var s = 0.0;
                for (var d = 0; d < HS; d++) { s += tileA[k * HS + d] * a[d]; }
                let p = exp(s - rowL[k]);
                ${dropping ? 'let keep = keepScale(rowKey(head, i), r);' : ''}
                if (role == 1) {
                  var dp = 0.0;
                  for (var d = 0; d < HS; d++) { dp += tileB[k * HS + d] * g[d]; }
                  let ds = p * (dp${dropping ? ' * keep' : ''} - rowD[k]);
                  for (var d = 0; d < HS; d++) { acc[d] += ds * tileA[k * HS + d]; }
                } else {
                  let pd = p${dropping ? ' * keep' : ''};
                  for (var d = 0; d < HS; d++) { acc[d] += pd * tileB[k * HS + d]; }
                }
              }
            }
          }
          workgroupBarrier();
        }
        if (rowValid) {
          let out = (b * T + r) * 3 * C + role * C + h * HS;
          let factor = select(1.0, scale, role == 0);
          for (var d = 0; d < HS; d++) { result[out + d] = acc[d] * factor; }
        }
      }`,
  };
}

/**
 * The attention's input gradient: dY [N, C] (gradient of y), qkv [N, 3C], y [N, C] and L [B·nh·T] from
 * attentionForward → d qkv [N, 3C]. 2 dispatches. The dropout (rate, seed) must be the forward's.
 */
export function attentionBackward(
  dy: tf.Tensor2D,
  qkv: tf.Tensor2D,
  y: tf.Tensor2D,
  L: tf.Tensor1D,
  shape: FusedAttentionShape,
  dropout: AttentionDropout | null,
): tf.Tensor2D {
  checkFusedShape(shape);
  const uniforms = attentionUniforms(shape, dropout);
  return tf.tidy(() => {
    const D = runProgram<tf.Tensor1D>(rowDotProgram(shape), [dy, y], 'float32', uniforms);
    return runProgram<tf.Tensor2D>(gradProgram(shape, dropout !== null), [qkv, dy, L, D], 'float32', uniforms);
  });
}
