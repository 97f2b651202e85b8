// The GPU benchmark as `npm run gpu:check-pack` bundles it (scripts/gpu-bundle.ts --standalone) runs on its own,
// from a folder with no node_modules: what the GPU machine gets. A broken bundle would only show there, and every
// call to that machine costs minutes of a 15-minute budget. Here on wasm at --small sizes, without the PyTorch peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

test('the standalone benchmark bundle runs outside the project and prints its side-by-side table', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tfpipe-gpu-bench-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await run(
    process.execPath,
    ['--import', 'tsx', 'scripts/gpu-bundle.ts', 'bench/gpu/side-by-side.ts', join(dir, 'bench.mjs'), '--standalone'],
    { cwd: root },
  );
  // beside it, as pack.sh lays them out: the wasm binaries and the peer script
  const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(dir, f));
  mkdirSync(join(dir, 'bench/gpu'), { recursive: true });
  copyFileSync(join(root, 'bench/gpu/peer_torch.py'), join(dir, 'bench/gpu/peer_torch.py'));

  const { stdout } = await run(
    process.execPath,
    ['bench.mjs', '--backend', 'wasm', '--small', '--steps', '1', '--modes', 'gpt2-eval,lstm-uni', '--no-peer'],
    { cwd: dir },
  );
  assert.match(stdout, /^tfpipe: wasm \(SIMD, \d+ threads?\)$/m, stdout);
  assert.match(stdout, /^PyTorch: skipped \(--no-peer\)$/m, stdout);
  assert.match(stdout, /^gpt2-eval +tokens\/s +\d+\.\d +— +—$/m, stdout);
  assert.match(stdout, /^lstm-uni +samples\/s +\d+\.\d +— +—$/m, stdout);
  assert.match(stdout, /^gpt2-eval: [\d.]+ \(tensors left 0\)$/m, stdout);
});
