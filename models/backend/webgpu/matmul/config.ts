// The shape of one tiled matmul program: a workgroup computes a tileM × tileN block of the output, walking K in
// steps of tileK through workgroup memory; each invocation owns rowsPerThread × colsPerThread results. Written as
// `64x64x8:8x8:vec4` (tileM x tileN x tileK : rows x cols : vec1|vec4 [: subgroups]), the syntax of
// TFPIPE_MATMUL_CONFIG and of the tuning record.

export interface MatMulConfig {
  tileM: number;
  tileN: number;
  tileK: number;
  rowsPerThread: number;
  colsPerThread: number;
  /**
   * 4: workgroup tiles, register rows and accumulators as vec4<f32> (vector FMAs), and operands read from memory as
   * vec4s where their innermost length allows (wgsl.ts wideLoads); 1: scalars.
   */
  vecWidth: 1 | 4;
  /**
   * Subgroup operations for the register exchange. Kept in the syntax for adapters that offer the 'subgroups'
   * feature, but tfjs-backend-webgpu 4.22 does not request it on its device, so no program uses it yet and a
   * config asking for it is refused.
   */
  subgroups: boolean;
}

/** WebGPU's guaranteed minimums (maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupStorageSize). */
const MAX_INVOCATIONS = 256;
const MAX_WORKGROUP_BYTES = 16384;

export function formatConfig(c: MatMulConfig): string {
  const base = `${c.tileM}x${c.tileN}x${c.tileK}:${c.rowsPerThread}x${c.colsPerThread}:vec${c.vecWidth}`;
  return c.subgroups ? `${base}:subgroups` : base;
}

/** Invocations per workgroup: [x along N, y along M]. */
export function workgroupOf(c: MatMulConfig): [number, number] {
  return [c.tileN / c.colsPerThread, c.tileM / c.rowsPerThread];
}

/** Why `c` cannot run, or null. */
export function configProblem(c: MatMulConfig): string | null {
  const dims = [c.tileM, c.tileN, c.tileK, c.rowsPerThread, c.colsPerThread];
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) return 'every size must be a positive integer';
  if (c.tileM % c.rowsPerThread || c.tileN % c.colsPerThread)
    return `the tile ${c.tileM}x${c.tileN} is not a whole number of ${c.rowsPerThread}x${c.colsPerThread} blocks`;
  const [wx, wy] = workgroupOf(c);
  if (wx * wy > MAX_INVOCATIONS) return `${wx * wy} invocations per workgroup, over WebGPU's ${MAX_INVOCATIONS}`;
  const bytes = 4 * c.tileK * (c.tileM + c.tileN);
  if (bytes > MAX_WORKGROUP_BYTES) return `${bytes} bytes of workgroup memory, over WebGPU's ${MAX_WORKGROUP_BYTES}`;
  if (c.vecWidth === 4 && (c.rowsPerThread % 4 || c.colsPerThread % 4))
    return 'vec4 needs rows and cols per thread divisible by 4';
  if (c.vecWidth === 4 && c.tileK % 4) return 'vec4 needs tileK divisible by 4';
  if (c.subgroups) return "subgroups are not used yet (tfjs-backend-webgpu's device does not enable the feature)";
  return null;
}

const SYNTAX = /^(\d+)x(\d+)x(\d+):(\d+)x(\d+):vec(1|4)(:subgroups)?$/;

/** A config that does not parse or cannot run; the message names where it came from. */
export class MatMulConfigError extends Error {
  override name = 'MatMulConfigError';
}

/** Parses `64x64x8:8x8:vec4`; throws a one-line error naming `source` (e.g. TFPIPE_MATMUL_CONFIG). */
export function parseConfig(text: string, source: string): MatMulConfig {
  const m = SYNTAX.exec(text.trim());
  if (!m)
    throw new MatMulConfigError(
      `${source}: '${text}' is not a matmul config; expected tileMxtileNxtileK:rowsxcols:vec1|vec4, e.g. 64x64x8:8x8:vec4`,
    );
  const [tileM, tileN, tileK, rowsPerThread, colsPerThread] = m.slice(1, 6).map(Number);
  const config: MatMulConfig = {
    tileM,
    tileN,
    tileK,
    rowsPerThread,
    colsPerThread,
    vecWidth: m[6] === '4' ? 4 : 1,
    subgroups: m[7] !== undefined,
  };
  const problem = configProblem(config);
  if (problem) throw new MatMulConfigError(`${source}: '${text}' cannot run: ${problem}`);
  return config;
}

/** Used before tuning, and for shape classes the time cap left untimed: 64x64 tiles, 4x4 per invocation. */
export const DEFAULT_CONFIG: MatMulConfig = parseConfig('64x64x16:4x4:vec4', 'DEFAULT_CONFIG');

/**
 * The handful the tuner times per shape class: gpu.cpp's 64x64x8 / 8x8 shape, smaller tiles for small or narrow
 * outputs, a tall tile, and scalar variants (some drivers schedule scalar FMAs better).
 */
export const CANDIDATES: MatMulConfig[] = [
  '64x64x16:4x4:vec4',
  '64x64x8:8x8:vec4',
  '128x64x8:8x8:vec4',
  '32x32x16:4x4:vec4',
  '64x64x16:4x4:vec1',
  '32x64x16:4x4:vec4',
].map((text) => parseConfig(text, 'CANDIDATES'));
