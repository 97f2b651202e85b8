// SGD exactly as torch.optim.SGD: g ← g + wd·p; with momentum μ: b ← g on the first step, else μ·b + (1 − τ)·g;
// g ← g + μ·b (nesterov) or b; p ← p − lr·g.
import * as tf from '@tensorflow/tfjs-core';
import { stateEntries, type Grads, type Optimizer, type Params, type SgdOptions } from './optimizer.ts';
import type { NamedArray } from '../io/safetensors.ts';

export function createSgd(options: SgdOptions): Optimizer {
  const momentum = options.momentum ?? 0;
  const dampening = options.dampening ?? 0;
  const weightDecay = options.weightDecay ?? 0;
  const nesterov = options.nesterov ?? false;
  if (nesterov && (momentum <= 0 || dampening !== 0))
    throw new Error('sgd: nesterov needs momentum > 0 and dampening 0 (as torch)');
  const buffers = new Map<string, tf.Tensor>();

  const opt: Optimizer = {
    name: 'sgd',
    lr: options.lr,
    step(params: Params, grads: Grads) {
      for (const [name, p] of Object.entries(params)) {
        const grad = grads[name];
        if (!grad) continue;
        const old = buffers.get(name);
        const buffer = tf.tidy(() => {
          let g: tf.Tensor = weightDecay !== 0 ? tf.add(grad, tf.mul(p, weightDecay)) : grad;
          let b: tf.Tensor | undefined;
          if (momentum !== 0) {
            b = old ? tf.add(tf.mul(old, momentum), tf.mul(g, 1 - dampening)) : tf.clone(g);
            g = nesterov ? tf.add(g, tf.mul(b, momentum)) : b;
          }
          p.assign(tf.sub(p, tf.mul(g, opt.lr)));
          return b;
        });
        if (buffer) {
          old?.dispose();
          buffers.set(name, tf.keep(buffer)); // state outlives any tidy the caller wraps the step in
        }
      }
    },
    async saveState() {
      const read = await Promise.all(
        [...buffers].map(
          async ([name, b]) =>
            [`momentum_buffer.${name}`, { shape: b.shape, data: (await b.data()) as Float32Array }] as const,
        ),
      );
      return Object.fromEntries(read) as Record<string, NamedArray>;
    },
    loadState(state) {
      opt.dispose();
      for (const [key, value] of stateEntries(state)) {
        if (key.startsWith('momentum_buffer.'))
          buffers.set(key.slice('momentum_buffer.'.length), tf.keep(tf.tensor(value.data, value.shape, 'float32')));
      }
    },
    dispose() {
      for (const b of buffers.values()) b.dispose();
      buffers.clear();
    },
  };
  return opt;
}
