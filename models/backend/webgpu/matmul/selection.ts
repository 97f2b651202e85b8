// Which config a product runs: TFPIPE_MATMUL_CONFIG when set, else the tuner's winner for its shape class, else
// a related class's winner or DEFAULT_CONFIG (before tuning, or a class the time cap left untimed). Per process,
// like tfjs's pipeline cache.
import { DEFAULT_CONFIG, type MatMulConfig, parseConfig } from './config.ts';
import { type ShapeClass, shapeClassOf } from './shape-class.ts';
import type { MatMulProblem } from './wgsl.ts';

/** Env var forcing one config for every product, e.g. `TFPIPE_MATMUL_CONFIG=64x64x8:8x8:vec4`. */
export const MATMUL_CONFIG_ENV = 'TFPIPE_MATMUL_CONFIG';

const winners = new Map<ShapeClass, MatMulConfig>();
let forced: { text: string; config: MatMulConfig } | null = null;

/** The forced config from `env` (validated; a bad value throws a one-line error naming the variable), or null. */
export function forcedConfig(env: Readonly<Record<string, string | undefined>> = process.env): MatMulConfig | null {
  const text = env[MATMUL_CONFIG_ENV];
  if (text === undefined || text === '') return null;
  if (forced?.text !== text) forced = { text, config: parseConfig(text, MATMUL_CONFIG_ENV) };
  return forced.config;
}

export function setWinners(found: Partial<Record<ShapeClass, MatMulConfig>>): void {
  winners.clear();
  for (const [c, config] of Object.entries(found)) winners.set(c as ShapeClass, config);
}

/**
 * A class the time cap left untimed borrows the winner of the same transposes at the other size, else that of the
 * plain large product (the same adapter's preferences carry over better than a fixed default).
 */
export function configFor(problem: MatMulProblem): MatMulConfig {
  const c = shapeClassOf(problem);
  const otherSize = (c.endsWith('large') ? c.replace('large', 'small') : c.replace('small', 'large')) as ShapeClass;
  return forcedConfig() ?? winners.get(c) ?? winners.get(otherSize) ?? winners.get('nn-large') ?? DEFAULT_CONFIG;
}
