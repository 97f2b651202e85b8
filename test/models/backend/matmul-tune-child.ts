// Child process for matmul-tune.test.ts: selects webgpu with the tuner remembering its answer in the cache root
// given as argv[2], and prints the tuner's outcome as one JSON line.
import { selectBackend } from '../../../models/backend/select.ts';
import { tuneMatMul } from '../../../models/backend/webgpu/matmul/tune.ts';

const cacheRoot = process.argv[2];
const lines: string[] = [];
const selected = await selectBackend('webgpu', {
  matmulTuning: { cacheRoot, budgetMs: 1500, report: (l) => lines.push(l) },
});
const outcome = await tuneMatMul({ adapter: selected.device });
console.log(
  JSON.stringify({ source: outcome.source, timedRuns: outcome.timedRuns, winners: outcome.winners, reported: lines }),
);
