// page.js of a `tfpipe export --web` folder: runner/web/page/main.ts and what it imports (the project's tokenizer
// and model modules, tfjs-core and its WebGPU and WASM backends, gpt-tokenizer's BPE data) bundled by esbuild for
// the browser, as one classic script (iife) that works from any static server. Built at export time, from the
// installed sources, so the page runs the same code as the CLI that exported it.
import { build } from 'esbuild';
import { join } from 'node:path';

export const PAGE_ENTRY = join(import.meta.dirname, 'page', 'main.ts');

/** The bundle's text. Node built-ins cannot resolve for platform browser, so one reaching the page is a build error. */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [PAGE_ENTRY],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return result.outputFiles[0].text;
}
