// Which config a product runs: TFPIPE_MATMUL_CONFIG when set, else the tuner's winner for its shape class, else
// DEFAULT_CONFIG (before tuning, or a class the time cap left untimed). Per process, like tfjs's pipeline cache.
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

export function configFor(problem: MatMulProblem): MatMulConfig {
  return forcedConfig() ?? winners.get(shapeClassOf(problem)) ?? DEFAULT_CONFIG;
}
