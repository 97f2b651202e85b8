/// <reference types="@webgpu/types" />
// Dawn reports a rejected shader or a bad command asynchronously, and by default only logs it; the kernel's output
// then holds zeros or stale memory and training goes on with wrong numbers. guardDeviceErrors() turns every such
// report into an exception: the next GPU dispatch or the next read throws WebGpuDeviceError with Dawn's message.
// It also replaces readSync's OffscreenCanvas path (browser-only) with an error that says what to do instead.

export class WebGpuDeviceError extends Error {
  override name = 'WebGpuDeviceError';
}

/** The parts of tfjs-backend-webgpu's WebGPUBackend this module touches. */
interface WebGpuBackendLike {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { values?: unknown; dtype: string } | undefined };
  runWebGPUProgram(...args: unknown[]): unknown;
  read(dataId: object): Promise<unknown>;
  readSync(dataId: object): unknown;
}

const GUARDED = Symbol.for('tfpipe.webgpu.guarded');

export function guardDeviceErrors(backend: WebGpuBackendLike): void {
  const b = backend as WebGpuBackendLike & { [GUARDED]?: true };
  if (b[GUARDED]) return;
  b[GUARDED] = true;
  const pending: string[] = [];
  backend.device.addEventListener('uncapturederror', (event) => {
    pending.push((event as GPUUncapturedErrorEvent).error.message);
  });
  void backend.device.lost.then((info) => {
    if (info.reason !== 'destroyed') pending.push(`the GPU device was lost: ${info.message}`);
  });
  const throwIfPending = () => {
    if (pending.length === 0) return;
    const messages = pending.splice(0);
    const more =
      messages.length > 1 ? `\n(and ${messages.length - 1} more: ${messages.slice(1).map(firstLine).join(' | ')})` : '';
    throw new WebGpuDeviceError(
      `WebGPU error reported by Dawn; results since the failing kernel are wrong:\n${messages[0].trim()}${more}`,
    );
  };

  const run = backend.runWebGPUProgram.bind(backend);
  backend.runWebGPUProgram = (...args: unknown[]) => {
    throwIfPending();
    return run(...args);
  };
  const read = backend.read.bind(backend);
  backend.read = async (dataId: object) => {
    const values = await read(dataId);
    // Dawn delivers error events from its event loop tick; let one run before deciding the values are good.
    await new Promise((resolve) => setImmediate(resolve));
    throwIfPending();
    return values;
  };
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    throwIfPending();
    const data = backend.tensorMap.get(dataId);
    if (data?.values != null || data?.dtype === 'string') return readSync(dataId);
    throw new WebGpuDeviceError(
      'webgpu: a synchronous read (dataSync, arraySync, bufferSync) of a tensor on the GPU is impossible in Node ' +
        '(tfjs does it through OffscreenCanvas, a browser API); use `await tensor.data()` / `await tensor.array()`',
    );
  };
}

function firstLine(message: string): string {
  return message.trim().split('\n')[0];
}
