/// <reference types="@webgpu/types" />
// Dawn for Node (the `webgpu` package) as the browser globals tfjs-backend-webgpu looks for. tfjs-backend-webgpu
// checks `navigator.gpu` when it is *imported* (it registers the backend only if it is there), so this module
// must be imported, and installWebGpuGlobals() called, before that package is.
import { createRequire } from 'node:module';

type DawnModule = { create(flags: string[]): GPU; globals: Record<string, unknown> };

let gpu: GPU | undefined;

/** Loads Dawn (~10 ms plus driver start) and installs GPU* globals and navigator.gpu once; returns navigator.gpu. */
export async function installWebGpuGlobals(): Promise<GPU> {
  if (gpu) return gpu;
  const dawn = (await import('webgpu')) as unknown as DawnModule;
  Object.assign(globalThis, dawn.globals);
  gpu = dawn.create([]);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav && !('gpu' in nav)) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else if (!nav) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return gpu;
}

/** The `webgpu` package's version (part of the cached adapter probe's key), or undefined when not installed. */
export function dawnVersion(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return (require('webgpu/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}
