// The layers point one way: lib/ (file-system and text helpers) ← models/ ← stages/ ← runner/ (the house style of this repo).
// A module may import from its own layer and the ones below it; an import that points up the layers is a failure
// here, named by file and line. No import cycle either, even within a layer: a cycle is named by its files in order.
// Static imports, `import type`, `export … from` and dynamic `import('…')` all count.
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
  assert.ok(
    imports.some((i) => i.layer === 'runner' && i.target.startsWith('stages/')),
    'the scan finds imports (runner uses stages)',
  );
  const upward = imports.filter(({ layer, target }) => {
    const reached = target.split('/')[0];
    return reached in ALLOWED && !ALLOWED[layer].includes(reached);
  });
  assert.deepEqual(
    upward.map((i) => `${i.from} imports ${i.target}`),
    [],
  );
});

/** The import cycles among the project's modules: each as its files in import order, the first repeated at the end. */
function importCycles(imports: { from: string; target: string }[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const { from, target } of imports) {
    const file = from.replace(/:\d+$/, '');
    if (!edges.has(file)) edges.set(file, new Set());
    edges.get(file)!.add(target);
  }
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): void => {
    const at = path.indexOf(file);
    if (at >= 0) return void cycles.push([...path.slice(at), file]);
    if (done.has(file)) return;
    path.push(file);
    for (const next of edges.get(file) ?? []) visit(next);
    path.pop();
    done.add(file);
  };
  for (const file of edges.keys()) visit(file);
  return cycles;
}

test('no import cycle: every module can be understood (and loaded) after the ones it imports', async () => {
  const imports = await relativeImports();
  assert.deepEqual(
    importCycles([...imports, { from: 'a.ts:1', target: 'b.ts' }, { from: 'b.ts:1', target: 'a.ts' }]),
    [['a.ts', 'b.ts', 'a.ts']],
    'the search finds a planted cycle',
  );
  assert.deepEqual(
    importCycles(imports).map((cycle) => cycle.join(' → ')),
    [],
  );
});
