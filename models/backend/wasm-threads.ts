// Multi-threaded wasm in Node.js: tfjs-backend-wasm ships a pthreads build (tfjs-backend-wasm-threaded-simd) but
// never uses it under Node (its WASM_HAS_MULTITHREAD_SUPPORT flag is false there, tfjs issue 3830), because its
// loader hands the Emscripten glue and the pthread worker script to Workers as blob: URLs, which Node's
// worker_threads cannot start. The glue itself supports Node; it only needs both as files. So, for N > 1 threads:
//   1. write the glue (wasm-out/tfjs-backend-wasm-threaded-simd.js) and the worker script (the package's
//      wasmWorkerContents) once into a folder under the OS temp dir, named by their hash; the glue's pool of
//      pre-started workers is cut from 8 to the N - 1 that XNNPACK uses (each costs ~50 ms to start);
//   2. replace the registered 'wasm' backend factory with one that starts the glue from those files and builds the
//      package's own BackendWasm on it, so every wasm kernel (and ours) runs unchanged;
//   3. unref the pthread workers, so they never keep the process alive (Emscripten refs a worker while it runs a
//      thread, and XNNPACK's pool threads run until exit).
// TFPIPE_WASM_THREADS=1 keeps the package's single-threaded SIMD build. The count is fixed per process: the pool is
// created when the backend first initialises.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, getThreadsCount, setThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmWorkerContents } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
import { readPackageText, readWasmBinary } from './package-assets.ts';

/** The glue's own cap (max_num_threads in tfjs-backend-wasm's backend.cc; also its pre-started worker pool). */
export const MAX_WASM_THREADS = 8;
const WASM_PRIORITY = 2; // the package's own priority for 'wasm'

/** Threads for the wasm backend: TFPIPE_WASM_THREADS when set, else every core (at most 8); 1 = single-threaded build. */
export function resolveWasmThreadCount(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const raw = env.TFPIPE_WASM_THREADS?.trim();
  if (raw === undefined || raw === '') return Math.max(1, Math.min(cores, MAX_WASM_THREADS));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new Error(
      `TFPIPE_WASM_THREADS must be a whole number from 1 to ${MAX_WASM_THREADS} (1 = the single-threaded build), got '${raw}'`,
    );
  }
  return n;
}

let installedThreads: number | undefined;

/**
 * Makes the 'wasm' backend use `threads` threads when it initialises (call after importing
 * @tensorflow/tfjs-backend-wasm, before tf.setBackend('wasm')). Idempotent; once the backend exists it changes nothing.
 */
export async function useWasmThreads(threads: number): Promise<void> {
  if (threads <= 1 || installedThreads !== undefined) return;
  if ('wasm' in tf.engine().registry) return; // already initialised, with whichever build
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return; // the threaded build needs SIMD
  installedThreads = threads;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => createThreadedBackend(threads), WASM_PRIORITY);
}

/** The wasm backend's thread count (1 for the single-threaded build); only after it initialised. */
export function wasmThreadsInUse(): number {
  return Math.max(1, getThreadsCount());
}

// --- the threaded backend ---------------------------------------------------------------------------------------

/** What Emscripten's glue gives back, as far as tfjs uses it (the rest is typed by BackendWasm). */
interface ThreadedModule {
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => unknown;
  PThread: { runningWorkers: Worker[]; unusedWorkers: Worker[] };
  tfjs?: unknown;
}
type WasmImports = { env: Record<string, unknown> } & Record<string, unknown>;
interface FactoryConfig {
  locateFile(path: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(
    imports: WasmImports,
    receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ): object;
  onAbort(what: unknown): void;
}
type ThreadedFactory = (config: FactoryConfig) => Promise<ThreadedModule>;

async function createThreadedBackend(threads: number): Promise<tf.KernelBackend> {
  const scripts = writeThreadedScripts(threads - 1); // XNNPACK's pool: the calling thread and threads - 1 pthreads
  const factory = createRequire(import.meta.url)(scripts.glue) as ThreadedFactory;
  const binary = readWasmBinary('tfjs-backend-wasm-threaded-simd.wasm');
  const module = await new Promise<ThreadedModule>((resolve, reject) => {
    factory({
      locateFile: (path, prefix) => (path.endsWith('.worker.js') ? scripts.worker : prefix + path),
      mainScriptUrlOrBlob: scripts.glue, // what each pthread worker loads (importScripts → fs.readFileSync)
      instantiateWasm: (imports, receiveInstance) => {
        // backend.cc caps the pool at emscripten_num_logical_cores() / 2 (it assumes two hyperthreads per core:
        // 1 thread on a 2-core machine), read once when the module starts; answer so that the cap is `threads`
        const env = { ...imports.env, emscripten_num_logical_cores: () => 2 * threads };
        WebAssembly.instantiate(binary, { ...imports, env } as WebAssembly.Imports)
          .then(({ instance, module }) => receiveInstance(instance, module))
          .catch(reject);
        return {}; // exports arrive through receiveInstance
      },
      onAbort: (what) => reject(new Error(`the threaded wasm build failed to start: ${String(what)}`)),
    }).then(resolve, reject);
  });
  // the same bridge tfjs-backend-wasm's init() attaches
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  setThreadsCount(threads);
  const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]); // starts the pool
  for (const worker of [...module.PThread.runningWorkers, ...module.PThread.unusedWorkers]) worker.unref();
  return backend;
}

interface ThreadedScripts {
  /** Emscripten's glue (CommonJS): required here, importScripts'd by each worker. */
  glue: string;
  /** The pthread worker's entry (CommonJS, uses require and __filename). */
  worker: string;
}

/** The glue starts this many workers before anything runs; pthreads beyond them are started on demand. */
const GLUE_POOL = 'var pthreadPoolSize=8;';

/** The file's text, or null when it cannot be read. */
function readTextOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Writes the two scripts, once per content and pool size (concurrent processes may race: each writes a temp file,
 * then renames). A file already there is used only when its text is exactly what would be written: these scripts
 * are require()d, and a shared temp folder is writable by others. The folder is per user and private.
 * Pool size: enough for every pthread, since one started later waits on the event loop.
 */
function writeThreadedScripts(poolSize: number): ThreadedScripts {
  const packageGlue = readPackageText('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  // the package's own fix-up: its template string turned the source's "\n" escapes into newlines
  const worker = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(packageGlue).update('\0').update(worker).digest('hex').slice(0, 16);
  const user = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = join(tmpdir(), `tfpipe-wasm-threads-${user}-${version_wasm}-${hash}`);
  // another glue without that exact statement still works, only with its own pool
  const glue = packageGlue.replace(GLUE_POOL, `var pthreadPoolSize=${poolSize};`);
  const scripts = { glue: join(dir, `glue-pool${poolSize}.cjs`), worker: join(dir, 'pthread-worker.cjs') };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [path, text] of [
    [scripts.glue, glue],
    [scripts.worker, worker],
  ] as const) {
    if (readTextOrNull(path) === text) continue;
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    renameSync(temp, path);
  }
  return scripts;
}
