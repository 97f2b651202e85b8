// The WASM backend's binaries a web export carries: the plain and SIMD builds (not the threaded one: threads need a
// cross-origin-isolated page, which a plain static server does not give). Shared by the exporter and the page.
export const WASM_FILE_NAMES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'] as const;
