// The page script of `tfpipe export --web`: bundled for the browser from the project's modules, with no Node
// built-in left in it, and the weights layout it reads (web-model.ts) round-trips and refuses a short file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundlePage } from '../../runner/web/bundle-page.ts';
import { namedArraysFromWeights, packWeights, type WeightsManifest } from '../../runner/web/web-model.ts';

test('page.js is one browser script with no node: import, no import statement and no setImmediate', async () => {
  const script = await bundlePage();
  assert.ok(script.length > 100_000, `a bundle with tfjs and the models: ${script.length} characters`);
  assert.equal(/\bnode:[a-z_]+/.exec(script)?.[0], undefined, 'no node: specifier');
  assert.equal(/(^|[;}\n])\s*import\s*[{*"']/.exec(script)?.[0], undefined, 'no import statement (an iife)');
  assert.equal(/\bsetImmediate\(/.test(script.replace(/typeof setImmediate[^:]*:/g, '')), false);
  // The project's own code is inside: the word tokenizer's format tag and GPT-2's generation error.
  assert.match(script, /tfpipe-word-tokenizer\/1/);
  assert.match(script, /generate needs a prompt of at least one token/);
});

test('weights pack into one float32 file and read back by name; a file of the wrong length is refused', () => {
  const a = { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
  const b = { shape: [4], data: Float32Array.from([-1, 0.5, 7, 8]) };
  const { tensors, bytes } = packWeights([
    ['a', a],
    ['b', b],
  ]);
  assert.deepEqual(
    tensors.map((t) => [t.name, t.offset]),
    [
      ['a', 0],
      ['b', 24],
    ],
  );
  const manifest: WeightsManifest = { file: 'weights.bin', dtype: 'float32', bytes: 40, sha256: '', tensors };
  const read = namedArraysFromWeights(manifest, bytes.slice().buffer);
  assert.deepEqual(read.get('a'), a);
  assert.deepEqual(read.get('b'), b);
  assert.throws(
    () => namedArraysFromWeights(manifest, new ArrayBuffer(36)),
    /weights\.bin: 36 bytes, the manifest says 40/,
  );
  assert.throws(
    () => namedArraysFromWeights({ ...manifest, bytes: 36 }, new ArrayBuffer(36)),
    /weights\.bin: b \[4\] at byte 24 is outside the file/,
  );
});
