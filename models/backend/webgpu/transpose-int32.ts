// Transpose for int32 / bool tensors on webgpu. tfjs-backend-webgpu 4.22's TransposeProgram passes the i32 element
// to setOutputAtIndex(…, f32), a WGSL type error: Dawn rejects the shader and the output stays zeros (its 2-D
// shared-memory variant goes through an f32 tile instead, exact only below 2^24). This program writes with
// setOutputAtIndexI32, so int32 values of any size come through. float32 keeps the original kernel.
import {
  getKernel,
  registerKernel,
  unregisterKernel,
  Transpose,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { webgpu_util } from '@tensorflow/tfjs-backend-webgpu';

const AXES = ['x', 'y', 'z', 'w', 'u', 'v'];

/** tfjs's coordinate type for a rank (its vec5/vec6 are structs it declares in every shader). */
function coordsType(rank: number): string {
  if (rank === 1) return 'i32';
  if (rank <= 4) return `vec${rank}<i32>`;
  if (rank <= 6) return `vec${rank}`;
  throw new Error(`Transpose of rank ${rank} is not supported on webgpu (at most 6)`);
}

/** Shape of the WebGPUProgram interface tfjs-backend-webgpu runs (not exported by the package). */
export class TransposeInt32Program {
  variableNames = ['A'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  private readonly perm: number[];

  constructor(aShape: number[], perm: number[]) {
    this.outputShape = perm.map((p) => aShape[p]);
    this.perm = perm;
    this.dispatchLayout = webgpu_util.flatDispatchLayout(this.outputShape);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize, [1, 1, 1]);
    this.shaderKey = `tfpipe_transpose_i32_${perm.join('_')}`;
  }

  getUserCode(): string {
    const rank = this.outputShape.length;
    // input coordinate d is output coordinate perm⁻¹(d)
    const source = new Array<string>(rank);
    this.perm.forEach((p, i) => (source[p] = rank === 1 ? 'coords' : `coords.${AXES[i]}`));
    const index =
      rank === 1 ? 'coords' : `getIndexFromCoords${rank}D(${coordsType(rank)}(${source.join(', ')}), uniforms.aShape)`;
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          setOutputAtIndexI32(index, i32(A[${index}]));
        }
      }
    `;
  }
}

interface WebGpuBackendLike {
  shouldExecuteOnCPU(inputs: TensorInfo[]): boolean;
  runWebGPUProgram(program: unknown, inputs: TensorInfo[], dtype: string): TensorInfo;
}

/** Replaces the webgpu Transpose kernel by one that sends int32/bool here and float32 to the original. */
export function registerTransposeInt32Fix(): void {
  const original = getKernel(Transpose, 'webgpu');
  if (!original || (original as KernelConfig & { tfpipe?: true }).tfpipe) return;
  const kernelFunc: KernelFunc = (args) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    const backend = args.backend as unknown as WebGpuBackendLike;
    if (x.dtype === 'float32' || x.dtype === 'complex64' || backend.shouldExecuteOnCPU([x]))
      return original.kernelFunc(args);
    const perm = (args.attrs as { perm: number[] }).perm;
    return backend.runWebGPUProgram(new TransposeInt32Program(x.shape, perm), [x], x.dtype);
  };
  unregisterKernel(Transpose, 'webgpu');
  registerKernel({ kernelName: Transpose, backendName: 'webgpu', kernelFunc, tfpipe: true } as KernelConfig);
}
