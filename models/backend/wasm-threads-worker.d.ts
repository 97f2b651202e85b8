// Types for the one untyped tfjs-backend-wasm file models/backend/wasm-threads.ts imports: a CommonJS module whose
// only export is the source of Emscripten's pthread worker script.
declare module '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js' {
  export const wasmWorkerContents: string;
}
