// The WGSL helper gelu_new needs, shared by GPT-2's elementwise gelu_new programs (models/gpt2/webgpu/gelu-new.ts)
// and the matmul's gelu_new epilogue, so both round alike.

// With z = √(2/π)·(x + 0.044715·x³) and t = tanh(z), the maths needs only 1 + t and 1 − t². Both come from
// e = exp(−2|z|) ∈ (0, 1] without cancellation: with s = 1/(1 + e), 1 + t = 2s (z ≥ 0) or 2e·s (z < 0), and
// 1 − t² = 4e·s². Forming t first (as tfjs's tanh does, (1 − e)/(1 + e)) and adding 1 loses every digit of 1 + t
// below 6e-8 for z < −8, the tail where gelu and its slope are small; exp(−2|z|) never overflows.
export const TANH_PARTS = `
    struct TanhParts { onePlusT : f32, oneMinusT2 : f32 };
    fn tanhParts(x : f32) -> TanhParts {
      let z = (x + ((x * x) * x) * 0.044715) * ${Math.sqrt(2 / Math.PI)};
      let e = exp(-2.0 * abs(z));
      let s = 1.0 / (1.0 + e);
      return TanhParts(2.0 * s * select(e, 1.0, z >= 0.0), 4.0 * e * s * s);
    }`;
