// What the whole-sequence LSTM programs (sequence-forward.ts, sequence-backward.ts) share: their fixed sizes, the
// per-row step table they read, and the WGSL activations.
// One workgroup runs the whole time loop for ROWS packed rows (sequences are independent, so no global sync is
// needed between steps, only workgroupBarrier): ~1 dispatch per layer-direction instead of ~20 per time step.
import * as tf from '@tensorflow/tfjs-core';
import type { UniformValue } from '../../backend/webgpu/run-program.ts';
import type { PackedLayout } from '../packing.ts';

/** Invocations per workgroup (WebGPU's default maxComputeInvocationsPerWorkgroup). Baked into the WGSL. */
export const SEQUENCE_WORKGROUP_SIZE = 256;
/**
 * Largest hidden size the programs take: workgroup arrays are sized for it. H itself is a uniform; only the slot
 * counts (slotCounts: ⌈4H/256⌉, ⌈ROWS·H/256⌉) are baked, so H 64 and H 128 share nothing but H 50 and 64 share a pipeline.
 */
export const MAX_SEQUENCE_HIDDEN = 256;
/** Sequences per workgroup by default. More rows reuse each W_hh read for several rows but leave fewer workgroups. */
export const DEFAULT_ROWS_PER_GROUP = 1;
/** WebGPU's default maxComputeWorkgroupStorageSize, the budget the programs are kept under. */
export const WORKGROUP_MEMORY_BYTES = 16384;

/** Floats of workgroup memory per row: forward h and z (5H), backward dz / dh partials (4H); sized for MAX_SEQUENCE_HIDDEN. */
const FLOATS_PER_ROW = 5 * MAX_SEQUENCE_HIDDEN;

/** Whether the programs can run this layer: H within MAX_SEQUENCE_HIDDEN and `rows` rows within the workgroup memory. */
export function supportsSequencePrograms(hidden: number, rows = DEFAULT_ROWS_PER_GROUP): boolean {
  return (
    hidden >= 1 &&
    hidden <= MAX_SEQUENCE_HIDDEN &&
    rows >= 1 &&
    Number.isInteger(rows) &&
    rows * FLOATS_PER_ROW * 4 + 16 <= WORKGROUP_MEMORY_BYTES
  );
}

/**
 * WebGPU's guaranteed workgroups per dispatch dimension. The programs index rows by workgroupId.x, and beyond this
 * tfjs would reshape the dispatch into 2-D and the indexing would be wrong.
 */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** Whether `batch` sequences, `rows` per workgroup, fit one dispatch dimension. */
export function sequenceBatchFits(batch: number, rows = DEFAULT_ROWS_PER_GROUP): boolean {
  return Math.ceil(batch / rows) <= MAX_WORKGROUPS_PER_DIMENSION;
}

/**
 * The step table the programs read, int32 [T + B]: offsets[t] (first packed row of step t), then each sorted row's
 * length (row b is live at steps t < length[b]; lengths are non-increasing since the layout is sorted).
 */
export function stepTable(layout: PackedLayout): tf.Tensor1D {
  const { batchSizes, offsets } = layout;
  const T = batchSizes.length;
  const B = batchSizes[0];
  const table = new Int32Array(T + B);
  table.set(offsets);
  for (let t = 0; t < T; t++) {
    const next = t + 1 < T ? batchSizes[t + 1] : 0;
    for (let b = next; b < batchSizes[t]; b++) table[T + b] = t + 1;
  }
  return tf.tensor1d(table, 'int32');
}

/**
 * WGSL helpers. tanh through exp(-2|x|), as tfjs's own webgpu Tanh: a driver's tanh may compute e^{2x} and return
 * NaN once that overflows.
 */
export const ACTIVATIONS_WGSL = `
  fn lstmSigmoid(x : f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
  fn lstmTanh(x : f32) -> f32 {
    let e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
  }
`;

/** WGSL: `statement` once per row, with r = 0..rows-1 in place of {r} (per-row accumulators stay in registers). */
export function unrollRows(rows: number, statement: string): string {
  return Array.from({ length: rows }, (_, r) => statement.replaceAll('{r}', String(r))).join('\n');
}

/** WGSL: `code(n)` for n = 0..count-1 (an invocation's work slots, unrolled so their values stay in registers). */
export function unrollSlots(count: number, code: (n: number) => string): string {
  return Array.from({ length: count }, (_, n) => code(n)).join('\n');
}

/**
 * WGSL opening main() of the sequence programs: H, G = 4H, T, lid, `first` (the workgroup's first sorted row) and,
 * for each of the `cells` cell slots n, the cell e_n = lid + n·WG as (row r_n, unit j_n) with its sequence length
 * len_n (0 where the slot or the row does not exist). Needs the Steps table and uniforms hidden, steps, batch.
 */
export function sequencePrologueWgsl(rows: number, cells: number): string {
  const WG = SEQUENCE_WORKGROUP_SIZE;
  return `
        let H = uniforms.hidden;
        let G = 4 * H;
        let T = uniforms.steps;
        let lid = i32(localId.x);
        let first = i32(workgroupId.x) * ${rows};
        ${unrollSlots(
          cells,
          (n) => `
        let e${n} = lid + ${n * WG};
        let r${n} = e${n} / H;
        let j${n} = e${n} - r${n} * H;
        var len${n} = 0;
        if (e${n} < ${rows} * H && first + r${n} < uniforms.batch) { len${n} = Steps[T + first + r${n}]; }`,
        )}`;
}

/**
 * How many work items of each kind one invocation holds, baked into the WGSL (and its shaderKey): `columns` of the
 * 4H gate columns (forward matvec, backward dh partials) and `cells` of the ROWS·H (row, unit) cell updates.
 */
export function slotCounts(hidden: number, rows: number): { columns: number; cells: number } {
  return {
    columns: Math.ceil((4 * hidden) / SEQUENCE_WORKGROUP_SIZE),
    cells: Math.ceil((rows * hidden) / SEQUENCE_WORKGROUP_SIZE),
  };
}

/** One int32 uniform per value, in the order of the program's `uniforms` fields (tfjs aligns each entry alone). */
export function intUniforms(...values: number[]): UniformValue[] {
  return values.map((v) => ({ type: 'int32', data: [v] }));
}
