// Optimizer registry: the schema's `optimizer.name` enum maps here.
import { createAdam } from './adam.ts';
import { createSgd } from './sgd.ts';
import type { Optimizer, OptimizerOptions } from './optimizer.ts';

export function createOptimizer(options: OptimizerOptions): Optimizer {
  switch (options.name) {
    case 'sgd':
      return createSgd(options);
    case 'adam':
    case 'adamw':
      return createAdam(options);
    default: {
      const never: never = options;
      throw new Error(`unknown optimizer ${(never as { name: string }).name} (allowed: sgd, adam, adamw)`);
    }
  }
}
