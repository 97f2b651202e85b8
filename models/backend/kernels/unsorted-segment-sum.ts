// UnsortedSegmentSum for the wasm backend, which lacks it; tf.gather's gradient (so the embedding's) needs it.
// out[segmentIds[i], ...] += x[i, ...] over the first axis; x is [N, ...inner], segmentIds [N], out [numSegments, ...inner].
import {
  UnsortedSegmentSum,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type NamedAttrMap,
} from '@tensorflow/tfjs-core';
import { makeOutputs, viewData } from '../tensor-data.ts';

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as NamedAttrMap & { numSegments: number };
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const [out] = makeOutputs(backend, [{ shape: outShape, dtype: x.dtype === 'int32' ? 'int32' : 'float32' }], ([o]) => {
    const xs = viewData<Float32Array>(backend, x);
    const ids = viewData<Int32Array>(backend, segmentIds);
    for (let r = 0; r < rows; r++) {
      const seg = ids[r];
      if (seg < 0 || seg >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
      const src = r * inner;
      const dst = seg * inner;
      for (let j = 0; j < inner; j++) o[dst + j] += xs[src + j];
    }
  });
  return out;
};

export const unsortedSegmentSumWasm: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
