// A plain float64 reference of the classifier for tests: one sequence at a time, no packing, no batching,
// written straight from the PyTorch documentation of nn.LSTM (gates i, f, g, o), so it shares no code with
// models/lstm. Used for finite-difference gradient checks.
import type { LstmConfig } from '../../../models/lstm/config.ts';

export type Params64 = Map<string, { shape: number[]; data: Float64Array }>;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** W [rows, cols] · v */
function matVec(w: { shape: number[]; data: Float64Array }, v: number[]): number[] {
  const [rows, cols] = w.shape;
  const out = new Array<number>(rows).fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r] += w.data[r * cols + c] * v[c];
  return out;
}

function runDirection(p: Params64, layer: number, reverse: boolean, xs: number[][], H: number): number[][] {
  const sfx = `_l${layer}${reverse ? '_reverse' : ''}`;
  const [wIh, wHh, bIh, bHh] = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => p.get(`lstm.${n}${sfx}`)!);
  let h = new Array<number>(H).fill(0);
  let c = new Array<number>(H).fill(0);
  const outs: number[][] = new Array(xs.length);
  const order = xs.map((_, t) => (reverse ? xs.length - 1 - t : t));
  for (const t of order) {
    const a = matVec(wIh, xs[t]);
    const r = matVec(wHh, h);
    const z = a.map((v, k) => v + r[k] + bIh.data[k] + bHh.data[k]);
    const cNew = new Array<number>(H);
    const hNew = new Array<number>(H);
    for (let j = 0; j < H; j++) {
      const i = sigmoid(z[j]),
        f = sigmoid(z[H + j]),
        g = Math.tanh(z[2 * H + j]),
        o = sigmoid(z[3 * H + j]);
      cNew[j] = f * c[j] + i * g;
      hNew[j] = o * Math.tanh(cNew[j]);
    }
    h = hNew;
    c = cNew;
    outs[t] = h;
  }
  return outs;
}

/** Logits of one sequence (its first `length` tokens). */
export function referenceLogits(p: Params64, config: LstmConfig, tokens: number[]): number[] {
  const E = config.embeddingDim;
  const emb = p.get('embedding.weight')!;
  let xs = tokens.map((id) => Array.from(emb.data.subarray(id * E, id * E + E)));
  let finals: number[] = [];
  for (let k = 0; k < config.nLayers; k++) {
    const fwd = runDirection(p, k, false, xs, config.hiddenDim);
    if (config.bidirectional) {
      const rev = runDirection(p, k, true, xs, config.hiddenDim);
      xs = fwd.map((f, t) => [...f, ...rev[t]]);
      finals = [...fwd[fwd.length - 1], ...rev[0]];
    } else {
      xs = fwd;
      finals = fwd[fwd.length - 1];
    }
  }
  const logits = matVec(p.get('fc.weight')!, finals);
  return logits.map((v, k) => v + p.get('fc.bias')!.data[k]);
}

/** Mean cross-entropy over the batch. */
export function referenceLoss(p: Params64, config: LstmConfig, seqs: number[][], labels: number[]): number {
  let total = 0;
  seqs.forEach((tokens, b) => {
    const logits = referenceLogits(p, config, tokens);
    const max = Math.max(...logits);
    const lse = max + Math.log(logits.reduce((s, v) => s + Math.exp(v - max), 0));
    total += lse - logits[labels[b]];
  });
  return total / seqs.length;
}
