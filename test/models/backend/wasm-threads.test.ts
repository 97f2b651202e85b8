// Multi-threaded wasm (models/backend/wasm-threads.ts): the thread count setting, and that 2 threads give the
// 1-thread build's results (a matmul, the reference's AdamW steps of the tiny GPT-2, which also match PyTorch's
// losses) in processes that end by themselves. One child process per setting: a process keeps its first wasm build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MAX_WASM_THREADS, resolveWasmThreadCount } from '../../../models/backend/wasm-threads.ts';

const CHILD = new URL('./wasm-threads-child.ts', import.meta.url).pathname;

interface ChildResult {
  device: string;
  matmul: number[];
  losses: number[];
  referenceLosses: number[];
  wte: number[];
  tensorsLeft: number;
}

/** Runs the child to its natural end (no process.exit in it): resolving at all means no worker kept it alive. */
async function runChild(threads: number): Promise<ChildResult> {
  const env = { ...process.env, TFPIPE_WASM_THREADS: String(threads) };
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD], {
    env,
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
}

function maxRelDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return a.reduce((max, x, i) => Math.max(max, Math.abs(x - b[i]) / Math.max(1, Math.abs(b[i]))), 0);
}

test('TFPIPE_WASM_THREADS sets the thread count; unset, every core up to 8; anything else is an error', () => {
  assert.equal(resolveWasmThreadCount({}, 2), 2);
  assert.equal(resolveWasmThreadCount({}, 1), 1);
  assert.equal(resolveWasmThreadCount({}, 64), MAX_WASM_THREADS);
  assert.equal(resolveWasmThreadCount({ TFPIPE_WASM_THREADS: '1' }, 16), 1);
  assert.equal(resolveWasmThreadCount({ TFPIPE_WASM_THREADS: ' 3 ' }, 2), 3);
  for (const bad of ['0', '9', '1.5', 'two', '-2']) {
    assert.throws(
      () => resolveWasmThreadCount({ TFPIPE_WASM_THREADS: bad }, 2),
      /TFPIPE_WASM_THREADS must be a whole number from 1 to 8 \(1 = the single-threaded build\), got '/,
    );
  }
});

test('2 wasm threads give the 1-thread results (matmul, GPT-2 AdamW steps) and the process exits by itself', async () => {
  const one = await runChild(1);
  const two = await runChild(2);
  assert.match(one.device, /^SIMD, 1 thread$/);
  assert.match(two.device, /^SIMD, 2 threads$/);
  assert.ok(maxRelDiff(two.matmul, one.matmul) < 1e-6, `matmul differs by ${maxRelDiff(two.matmul, one.matmul)}`);
  assert.ok(maxRelDiff(two.losses, one.losses) < 1e-6, `losses ${two.losses} vs ${one.losses}`);
  assert.ok(maxRelDiff(two.wte, one.wte) < 1e-5, `wte after the steps differs by ${maxRelDiff(two.wte, one.wte)}`);
  for (const run of [one, two]) {
    assert.ok(
      maxRelDiff(run.losses, run.referenceLosses) < 1e-4,
      `${run.device}: ${run.losses} vs PyTorch ${run.referenceLosses}`,
    );
    assert.equal(run.tensorsLeft, 0);
  }
});
