// The layers point one way: lib/ (file-system helpers) ← models/ ← stages/ ← runner/ (the house style of this repo).
// A module may import from its own layer and the ones below it; an import that points up the layers is a failure
// here, named by file and line. Static imports, `export … from` and dynamic `import('…')` all count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../helpers/context.ts';

/** Each layer and the layers it may import from (its own included). */
const ALLOWED: Record<string, readonly string[]> = {
  lib: ['lib'],
  models: ['lib', 'models'],
  stages: ['lib', 'models', 'stages'],
  runner: ['lib', 'models', 'stages', 'runner'],
};

const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"`](\.{1,2}\/[^'"`]+)['"`]/g;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

/** Every relative import of the project's own code: where it is written and the layer it reaches. */
async function relativeImports(): Promise<{ from: string; line: number; layer: string; target: string }[]> {
  const found: { from: string; line: number; layer: string; target: string }[] = [];
  for (const layer of Object.keys(ALLOWED)) {
    for (const file of await sourceFiles(join(REPO_ROOT, layer))) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      for (const [i, text] of lines.entries()) {
        for (const match of text.matchAll(SPECIFIER)) {
          const target = relative(REPO_ROOT, resolve(dirname(file), match[1]));
          found.push({ from: `${relative(REPO_ROOT, file)}:${i + 1}`, line: i + 1, layer, target });
        }
      }
    }
  }
  return found;
}

test('no import points up the layers (models → stages or runner, stages → runner, lib → any of them)', async () => {
  const imports = await relativeImports();
  assert.ok(imports.some((i) => i.layer === 'runner' && i.target.startsWith('stages/')), 'the scan finds imports (runner uses stages)');
  const upward = imports.filter(({ layer, target }) => {
    const reached = target.split('/')[0];
    return reached in ALLOWED && !ALLOWED[layer].includes(reached);
  });
  assert.deepEqual(upward.map((i) => `${i.from} imports ${i.target}`), []);
});
