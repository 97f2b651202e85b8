// The matmul row of the GPU benchmark (side-by-side.ts --modes matmul): GFLOP/s of one float32 product, M × K @
// K × N, for the tuned tiled kernel (TFPIPE_FUSED_KERNELS on) and tfjs's kernel (off; K above 512 is cut into
// blocks there, as the models run it), at square sizes and GPT-2 124M's shapes for a batch of 4 × 1024 tokens.
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS_FLAG } from '../../models/backend/webgpu/run-program.ts';
import { settleGpu } from '../../models/backend/webgpu/matmul/settle.ts';

export interface MatMulShape {
  /** e.g. "4096x768x2304 (c_fc)": M x K x N. */
  name: string;
  M: number;
  K: number;
  N: number;
  /** B given as [N, K] (the LM head multiplies by wteᵀ). */
  transposeB: boolean;
}

const shape = (M: number, K: number, N: number, what = '', transposeB = false): MatMulShape => ({
  name: `${M}x${K}x${N}${what ? ` ${what}` : ''}`,
  M,
  K,
  N,
  transposeB,
});

/** Full size, and --small (the harness on a CPU adapter). */
export function matmulShapes(small: boolean): MatMulShape[] {
  if (small)
    return [
      shape(128, 128, 128),
      shape(256, 256, 256),
      shape(256, 64, 192, '(c_attn)'),
      shape(256, 64, 256, '(c_fc)'),
      shape(256, 256, 64, '(mlp c_proj)'),
      shape(256, 64, 1000, '(LM head)', true),
    ];
  return [
    shape(1024, 1024, 1024),
    shape(2048, 2048, 2048),
    shape(4096, 4096, 4096),
    shape(4096, 768, 2304, '(c_attn)'),
    shape(4096, 768, 3072, '(c_fc)'),
    shape(4096, 3072, 768, '(mlp c_proj)'),
    shape(4096, 768, 50257, '(LM head)', true),
  ];
}

/** GFLOP/s (2·M·N·K per product) over `steps` products after one warm-up (which also compiles the program). */
async function gflops(s: MatMulShape, steps: number): Promise<number> {
  const a = tf.randomUniform([s.M, s.K], -1, 1);
  const b = tf.randomUniform(s.transposeB ? [s.N, s.K] : [s.K, s.N], -1, 1);
  try {
    tf.matMul(a, b, false, s.transposeB).dispose();
    await settleGpu();
    const start = performance.now();
    for (let i = 0; i < steps; i++) tf.matMul(a, b, false, s.transposeB).dispose();
    await settleGpu();
    const seconds = (performance.now() - start) / 1000 / steps;
    return (2 * s.M * s.N * s.K) / seconds / 1e9;
  } finally {
    tf.dispose([a, b]);
  }
}

export interface MatMulRates {
  tuned: number | string;
  tfjs: number | string;
}

/** Each shape's GFLOP/s with the tiled kernel and with tfjs's, or the error. */
export async function matmulRates(shapes: MatMulShape[], steps: number): Promise<Map<string, MatMulRates>> {
  const out = new Map<string, MatMulRates>();
  const attempt = async (s: MatMulShape, tiled: boolean) => {
    tf.env().set(FUSED_KERNELS_FLAG, tiled);
    try {
      return await gflops(s, steps);
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message.split('\n')[0]}`;
    } finally {
      tf.env().set(FUSED_KERNELS_FLAG, true);
    }
  };
  for (const s of shapes) {
    const rates = { tuned: await attempt(s, true), tfjs: await attempt(s, false) };
    out.set(s.name, rates);
    const show = (v: number | string) => (typeof v === 'number' ? `${v.toFixed(1)} GFLOP/s` : v);
    console.log(`matmul ${s.name}: tuned ${show(rates.tuned)}, tfjs ${show(rates.tfjs)}`);
  }
  return out;
}
