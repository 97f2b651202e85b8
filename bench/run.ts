// `npm run bench -- NAME [ARGS]` runs bench/NAME.ts (or bench/gpu/NAME.ts) with ARGS; with no NAME it lists the
// benchmarks and the first line of each one's header comment.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const folders = [here, join(here, 'gpu')];
const benches = folders.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
    .map((f) => join(dir, f)),
);

const [name, ...args] = process.argv.slice(2);
const file = name ? folders.map((dir) => join(dir, `${name}.ts`)).find(existsSync) : undefined;
if (!name) {
  console.log('usage: npm run bench -- NAME [ARGS]');
  for (const bench of benches) {
    const first = readFileSync(bench, 'utf8')
      .split('\n')[0]
      .replace(/^\/\/\s*/, '');
    console.log(`  ${bench.slice(here.length + 1, -3).padEnd(18)} ${first}`);
  }
} else if (!file) {
  console.error(`no benchmark ${name}; run npm run bench for the list`);
  process.exitCode = 2;
} else {
  process.exitCode = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit' }).status ?? 1;
}
