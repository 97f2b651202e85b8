// Adam and AdamW exactly as torch.optim (≥ 2.0, single-tensor path, amsgrad off), per parameter:
//   adamw: p ← p·(1 − lr·wd)            adam: g ← g + wd·p
//   m ← m.lerp(g, 1 − β1)  v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
import * as tf from '@tensorflow/tfjs-core';
import { stateEntries, type AdamOptions, type Grads, type Optimizer, type Params } from './optimizer.ts';
import type { NamedArray } from '../io/safetensors.ts';

interface Slot {
  step: number;
  m: tf.Tensor;
  v: tf.Tensor;
}

/** torch.lerp: start + w·(end − start) for w < 0.5, else end − (end − start)·(1 − w). */
function lerp(start: tf.Tensor, end: tf.Tensor, w: number): tf.Tensor {
  const diff = tf.sub(end, start);
  return w < 0.5 ? tf.add(start, tf.mul(diff, w)) : tf.sub(end, tf.mul(diff, 1 - w));
}

export function createAdam(options: AdamOptions): Optimizer {
  const [beta1, beta2] = options.betas ?? [0.9, 0.999];
  const eps = options.eps ?? 1e-8;
  const decoupled = options.name === 'adamw';
  const weightDecay = options.weightDecay ?? (decoupled ? 1e-2 : 0);
  const slots = new Map<string, Slot>();

  const opt: Optimizer = {
    name: options.name,
    lr: options.lr,
    step(params: Params, grads: Grads) {
      for (const [name, p] of Object.entries(params)) {
        const grad = grads[name];
        if (!grad) continue;
        let slot = slots.get(name);
        if (!slot) {
          slot = { step: 0, m: tf.keep(tf.zerosLike(p)), v: tf.keep(tf.zerosLike(p)) };
          slots.set(name, slot);
        }
        const s = slot;
        s.step += 1;
        const lr = opt.lr;
        const [m, v] = tf.tidy(() => {
          let g: tf.Tensor = grad;
          let value: tf.Tensor = p;
          if (weightDecay !== 0) {
            if (decoupled) value = tf.mul(p, 1 - lr * weightDecay);
            else g = tf.add(g, tf.mul(p, weightDecay));
          }
          const mNew = lerp(s.m, g, 1 - beta1);
          const vNew = tf.add(tf.mul(s.v, beta2), tf.mul(tf.mul(g, g), 1 - beta2));
          const stepSize = lr / (1 - beta1 ** s.step);
          const denom = tf.add(tf.div(tf.sqrt(vNew), Math.sqrt(1 - beta2 ** s.step)), eps);
          p.assign(tf.sub(value, tf.div(tf.mul(mNew, stepSize), denom)));
          return [mNew, vNew];
        });
        s.m.dispose();
        s.v.dispose();
        s.m = tf.keep(m); // state outlives any tidy the caller wraps the step in
        s.v = tf.keep(v);
      }
    },
    async saveState() {
      // read every buffer concurrently, then lay the entries out per parameter (step, exp_avg, exp_avg_sq)
      const read = await Promise.all(
        [...slots].map(async ([name, s]) => ({
          name,
          step: s.step,
          m: s.m,
          v: s.v,
          data: await Promise.all([s.m.data(), s.v.data()]),
        })),
      );
      const out: Record<string, NamedArray> = {};
      for (const { name, step, m, v, data } of read) {
        out[`step.${name}`] = { shape: [1], data: Int32Array.of(step) };
        out[`exp_avg.${name}`] = { shape: m.shape, data: data[0] as Float32Array };
        out[`exp_avg_sq.${name}`] = { shape: v.shape, data: data[1] as Float32Array };
      }
      return out;
    },
    loadState(state) {
      opt.dispose();
      const entries = stateEntries(state);
      for (const [key, value] of entries) {
        if (!key.startsWith('step.')) continue;
        const name = key.slice('step.'.length);
        const m = entries.get(`exp_avg.${name}`);
        const v = entries.get(`exp_avg_sq.${name}`);
        if (!m || !v) throw new Error(`${options.name} state: ${name} has a step count but no exp_avg / exp_avg_sq`);
        slots.set(name, {
          step: value.data[0],
          m: tf.keep(tf.tensor(m.data, m.shape, 'float32')),
          v: tf.keep(tf.tensor(v.data, v.shape, 'float32')),
        });
      }
    },
    dispose() {
      for (const s of slots.values()) {
        s.m.dispose();
        s.v.dispose();
      }
      slots.clear();
    },
  };
  return opt;
}
