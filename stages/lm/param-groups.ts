// AdamW with the Hugging Face Trainer's two parameter groups: weight decay on every weight except biases and
// LayerNorm gains (Trainer.get_decay_parameter_names), none on those. Two torch-exact AdamW instances behind one
// Optimizer, so models/train's loop and checkpoints see a single optimizer (state keys prefixed by group).
import { createAdam } from '../../models/train/adam.ts';
import { stateEntries, type Grads, type Optimizer, type Params } from '../../models/train/optimizer.ts';
import type { NamedArray } from '../../models/io/safetensors.ts';

/** True for parameters the Trainer excludes from weight decay. */
export function skipsWeightDecay(name: string): boolean {
  return name.endsWith('.bias') || /\.ln_(1|2|f)\.weight$/.test(name);
}

export function createTrainerAdamW(options: {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}): Optimizer {
  const decay = createAdam({
    name: 'adamw',
    lr: options.lr,
    betas: options.betas,
    eps: options.eps,
    weightDecay: options.weightDecay,
  });
  const plain = createAdam({ name: 'adamw', lr: options.lr, betas: options.betas, eps: options.eps, weightDecay: 0 });
  const groups = [
    { prefix: 'decay.', optimizer: decay, holds: (name: string) => !skipsWeightDecay(name) },
    { prefix: 'no_decay.', optimizer: plain, holds: skipsWeightDecay },
  ];
  const pick = <T>(record: Record<string, T>, holds: (name: string) => boolean): Record<string, T> =>
    Object.fromEntries(Object.entries(record).filter(([name]) => holds(name)));
  let lr = options.lr;
  return {
    name: 'adamw',
    get lr() {
      return lr;
    },
    set lr(value: number) {
      lr = value;
      for (const g of groups) g.optimizer.lr = value;
    },
    step(params: Params, grads: Grads) {
      for (const g of groups) g.optimizer.step(pick(params, g.holds), pick(grads, g.holds));
    },
    async saveState() {
      const out: Record<string, NamedArray> = {};
      for (const g of groups)
        for (const [key, value] of Object.entries(await g.optimizer.saveState())) out[`${g.prefix}${key}`] = value;
      return out;
    },
    loadState(state) {
      const entries = stateEntries(state);
      for (const g of groups) {
        g.optimizer.loadState(
          new Map(
            [...entries]
              .filter(([key]) => key.startsWith(g.prefix))
              .map(([key, value]) => [key.slice(g.prefix.length), value]),
          ),
        );
      }
    },
    dispose() {
      for (const g of groups) g.optimizer.dispose();
    },
  };
}
