// The two dispatch shapes GPT-2's fused WGSL kernels use, and the WGSL snippets they share.
//   row program:         one workgroup of WORKGROUP_SIZE invocations per row of an [N, C] input; the invocations
//                        stride over the row's columns and combine partial results by a tree reduction in
//                        workgroup memory.
//   elementwise program: one invocation per output element.
// Both use a flat dispatchLayout, so tfjs's prelude calls `fn main(index : i32)`. Above 65535 workgroups tfjs
// reshapes the dispatch to 2-D or 3-D and `index` becomes (linear workgroup id) * WORKGROUP_SIZE + localIndex, so the
// row is always index / WORKGROUP_SIZE — never workgroupId.x — and a reshaped grid's surplus workgroups (row >= N)
// must do nothing. They still reach every workgroupBarrier: WGSL allows barriers only in uniform control flow, so
// surplus rows get an empty column range instead of an early return.
// Sizes (N, C, V) are uniforms, never baked into the WGSL: one pipeline per program serves every shape. What is
// baked in (the workgroup size) is part of each shaderKey.
import type { WgslProgram } from '../../backend/webgpu/run-program.ts';
import { groupsFor } from '../../backend/webgpu/run-program.ts';

/** Invocations per workgroup (a power of two: the tree reductions halve it). */
export const WORKGROUP_SIZE = 256;

/** The WgslProgram fields common to every kernel here; `name` becomes the shaderKey with the workgroup size. */
export interface ProgramParts {
  name: string;
  variableNames: string[];
  outputShape: number[];
  /** Extra uniform fields, WGSL struct syntax (`cols : i32,`), passed in this order as uniformData. */
  uniforms?: string;
  userCode: string;
}

/** WGSL indexes with i32: a tensor the kernels index must have fewer than 2^31 elements. */
export function assertI32Indexable(kernel: string, shape: number[]): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > 0x7fffffff) {
    throw new Error(
      `${kernel}: a [${shape.join(', ')}] tensor has ${size} elements, more than the 2^31 − 1 its i32 indices reach; split the batch`,
    );
  }
}

/** A program of `workgroups` workgroups of WORKGROUP_SIZE; the WGSL gets `uniforms.size` (output elements). */
export function workgroupProgram(parts: ProgramParts, workgroups: number): WgslProgram {
  assertI32Indexable(parts.name, parts.outputShape);
  return {
    variableNames: parts.variableNames,
    outputShape: parts.outputShape,
    shaderKey: `tfpipe_gpt2_${parts.name}_wg${WORKGROUP_SIZE}`,
    dispatchLayout: { x: parts.outputShape.map((_, i) => i) },
    dispatch: [workgroups, 1, 1],
    workgroupSize: [WORKGROUP_SIZE, 1, 1],
    size: true,
    uniforms: parts.uniforms,
    getUserCode: () => parts.userCode,
  };
}

/** One workgroup per row: `rows` workgroups. */
export function rowProgram(parts: ProgramParts, rows: number): WgslProgram {
  return workgroupProgram(parts, rows);
}

/** One invocation per output element; the WGSL guards with `index < uniforms.size`. */
export function elementwiseProgram(parts: ProgramParts): WgslProgram {
  const size = parts.outputShape.reduce((a, b) => a * b, 1);
  return workgroupProgram(parts, groupsFor(size, WORKGROUP_SIZE));
}

/**
 * WGSL: `row` (this workgroup's row), `lane` (this invocation's place in it) and `end` (the row's column count, 0 for
 * a surplus workgroup of a reshaped grid) for a row program over `rows` rows of `cols` columns.
 */
export function rowPreamble(rows: string, cols: string): string {
  return `
      let row = index / ${WORKGROUP_SIZE};
      let lane = i32(localId.x);
      let end = select(0, ${cols}, row < ${rows});`;
}

/**
 * WGSL: sums `arrays` (workgroup arrays of WORKGROUP_SIZE f32, each already holding one partial per lane) in
 * place by halving down to `width` lanes; afterwards element i < width of each holds the total of lanes
 * i, i + width, i + 2·width, … (width 1: element 0 holds the total). Every invocation must run it (barriers).
 */
export function treeSum(arrays: string[], width = 1): string {
  const adds = arrays.map((a) => `${a}[lane] += ${a}[lane + k];`).join(' ');
  return `
      workgroupBarrier();
      for (var k = ${WORKGROUP_SIZE / 2}; k >= ${width}; k >>= 1u) {
        if (lane < k) { ${adds} }
        workgroupBarrier();
      }`;
}

/** WGSL declaration of a workgroup array with one f32 per invocation. */
export function workgroupArray(name: string): string {
  return `var<workgroup> ${name} : array<f32, ${WORKGROUP_SIZE}>;`;
}
