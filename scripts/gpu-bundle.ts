// Step 1 of `npm run gpu:pack`: bundles the CLI (runner/cli.ts) into one ESM file, .gpu-build/tfpipe.mjs, that
// ../shared/gpu/pack.sh then packs with Node.js and Dawn for the GPU machine.
// usage: node --import tsx scripts/gpu-bundle.ts [ENTRY] [OUTFILE] [--standalone]
// Why a bundle of our own first: a single bundle has a single import.meta, but tfpipe finds its files relative to
// each source file (runner/spec/kinds.ts → ../../schemas, runner/cli.ts → ../package.json, stages/text → its word
// lists). This build rewrites import.meta.url / import.meta.dirname in every project file to that file's place
// under the bundle's folder, so copying schemas/, package.json and the data files there, in the project's layout,
// makes every path work. It also defines __dirname for tfjs-backend-wasm, which looks for its .wasm files there
// (`require` comes from pack.sh's banner). The bundle ships without node_modules, so `readPackageText('<literal>')`
// calls (models/backend/package-assets.ts: the threaded wasm build's glue, which its workers load as a file) become
// that file's text.
import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const requireFromRoot = createRequire(resolve(root, 'package.json'));
const [entryArg, outArg, ...flags] = process.argv.slice(2);
const entry = entryArg ?? 'runner/cli.ts';
const outfile = resolve(root, outArg ?? '.gpu-build/tfpipe.mjs');
// --standalone: runnable as it is, for a bundle that does not go through pack.sh (which adds this `require`)
const standalone = flags.includes('--standalone');

const placeImportMeta: Plugin = {
  name: 'tfpipe-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const rel = relative(root, args.path);
      const source = await readFile(args.path, 'utf8');
      const texts = [...source.matchAll(/readPackageText\(\s*'([\w@./-]+)',?\s*\)/g)].map(async ([call, specifier]) => {
        return [call, JSON.stringify(await readFile(requireFromRoot.resolve(specifier), 'utf8'))] as const;
      });
      let contents = source
        .replaceAll('import.meta.dirname', `__tfpipeDir(${JSON.stringify(dirname(rel))})`)
        .replaceAll('import.meta.url', `__tfpipeUrl(${JSON.stringify(rel)})`);
      for (const [call, text] of await Promise.all(texts)) contents = contents.replaceAll(call, text);
      return { contents, loader: 'ts' };
    });
  },
};

const banner = [
  "import { fileURLToPath as __tfpipeToPath, pathToFileURL as __tfpipeToUrl } from 'node:url';",
  "import { dirname as __tfpipeDirname, join as __tfpipeJoin } from 'node:path';",
  'const __filename = __tfpipeToPath(import.meta.url);',
  'const __dirname = __tfpipeDirname(__filename);',
  'const __tfpipeDir = (rel) => __tfpipeJoin(__dirname, rel);',
  'const __tfpipeUrl = (rel) => __tfpipeToUrl(__tfpipeJoin(__dirname, rel)).href;',
  ...(standalone
    ? [
        "import { createRequire as __tfpipeCreateRequire } from 'node:module';",
        'const require = __tfpipeCreateRequire(import.meta.url);',
      ]
    : []),
].join('\n');

await build({
  entryPoints: [resolve(root, entry)],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  // Dawn is native (pack.sh ships it); tfjs-node is the user's optional install, never bundled
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  banner: { js: banner },
  plugins: [placeImportMeta],
  logLevel: 'warning',
});
console.log(`gpu-bundle: ${relative(root, outfile)}`);
