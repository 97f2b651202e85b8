// Expected split indices from scikit-learn itself (/usr/bin/python3 with numpy and sklearn), for the tests that
// compare row for row. Returns a reason instead when that python is not there, so the caller can t.skip(reason).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

export interface SklearnCase {
  n: number;
  test_size?: number;
  train_size?: number;
  random_state: number;
  /** Then split the train part again with this test_size (the homework's valid split), same random_state. */
  then_test_size?: number;
}

export interface SklearnResult {
  train: number[];
  test: number[];
  /** With then_test_size: the second call's test part (valid), as indices into 0..n-1. */
  valid?: number[];
  permutation?: number[];
}

const SCRIPT = `
import json, sys
import numpy as np
from sklearn.model_selection import train_test_split
out = []
for c in json.load(sys.stdin):
    rows = np.arange(c['n'])
    train, test = train_test_split(rows, test_size=c.get('test_size'), train_size=c.get('train_size'), random_state=c['random_state'])
    r = {'test': test.tolist()}
    if c.get('then_test_size') is not None:
        train, valid = train_test_split(train, test_size=c['then_test_size'], random_state=c['random_state'])
        r['valid'] = valid.tolist()
    r['train'] = train.tolist()
    r['permutation'] = np.random.RandomState(c['random_state']).permutation(min(c['n'], 1000)).tolist()
    out.append(r)
json.dump(out, sys.stdout)
`;

export function sklearnReference(
  cases: SklearnCase[],
): { ok: true; results: SklearnResult[] } | { ok: false; reason: string } {
  if (!existsSync(PYTHON))
    return { ok: false, reason: `${PYTHON} is not installed, so the comparison with scikit-learn is skipped` };
  const run = spawnSync(PYTHON, ['-c', SCRIPT], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) {
    const missing = /No module named '?(\w+)/.exec(run.stderr ?? '');
    if (missing)
      return {
        ok: false,
        reason: `${PYTHON} has no ${missing[1]} module, so the comparison with scikit-learn is skipped`,
      };
    throw new Error(`sklearn reference script failed: ${run.stderr}`);
  }
  return { ok: true, results: JSON.parse(run.stdout) as SklearnResult[] };
}
