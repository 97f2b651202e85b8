// The matmul tuner on this machine's adapter (lavapipe here): a first process times the candidates, keeps a winner
// per shape class and records them in <cache>/machine/matmul-tuning.json, telling the live view it is tuning; a
// second process reuses the record and times nothing. TFPIPE_MATMUL_CONFIG forces a config, and a malformed or
// impossible value is a one-line error naming it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, useBackend } from '../../helpers/backends.ts';
import { CANDIDATES, DEFAULT_CONFIG, formatConfig, parseConfig } from '../../../models/backend/webgpu/matmul/config.ts';
import {
  configFor,
  forcedConfig,
  MATMUL_CONFIG_ENV,
  setWinners,
} from '../../../models/backend/webgpu/matmul/selection.ts';
import { tuningRecordPath, type TuningRecord } from '../../../models/backend/webgpu/matmul/tuning-record.ts';
import { matMulProblem } from '../../../models/backend/webgpu/matmul/run.ts';

const run = promisify(execFile);
const CHILD = join(import.meta.dirname, 'matmul-tune-child.ts');

interface ChildOutcome {
  source: string;
  timedRuns: number;
  winners: Record<string, string>;
  reported: string[];
}

async function tuneInChild(cacheRoot: string): Promise<ChildOutcome> {
  const env = { ...process.env };
  delete env[MATMUL_CONFIG_ENV];
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, cacheRoot], { env });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildOutcome;
}

const webgpu = (await availableBackends()).includes('webgpu');
const candidates = CANDIDATES.map(formatConfig);

describe('matmul tuning record', { skip: webgpu ? false : 'no WebGPU adapter here' }, () => {
  it('the first process times and records a winner per class; a second reuses it without timing', async () => {
    const cacheRoot = await mkdtemp(join(tmpdir(), 'tfpipe-mm-tune-'));
    try {
      const first = await tuneInChild(cacheRoot);
      assert.equal(first.source, 'timed');
      assert.ok(first.timedRuns > 0);
      assert.ok(
        first.reported.some((l) => /^tuning matmul for .+ …$/.test(l)),
        `reported: ${first.reported}`,
      );
      const record = JSON.parse(await readFile(tuningRecordPath(cacheRoot), 'utf8')) as TuningRecord;
      assert.deepEqual(record.winners, first.winners);
      const timedClasses = Object.keys(record.timings);
      assert.ok(timedClasses.length > 0, 'at least one class timed within the cap');
      for (const c of timedClasses) {
        const times = record.timings[c as keyof TuningRecord['timings']]!;
        const fastest = Object.entries(times).sort((a, b) => a[1] - b[1])[0][0];
        assert.equal(
          record.winners[c as keyof TuningRecord['winners']],
          fastest,
          `${c}: the winner is the fastest timed`,
        );
        assert.ok(candidates.includes(fastest));
      }
      const second = await tuneInChild(cacheRoot);
      assert.deepEqual(second, { source: 'record', timedRuns: 0, winners: first.winners, reported: [] });
    } finally {
      await rm(cacheRoot, { recursive: true, force: true });
    }
  });
});

describe(MATMUL_CONFIG_ENV, () => {
  it(
    'forces its config on every product, whatever the tuner chose',
    { skip: webgpu ? false : 'no WebGPU' },
    async () => {
      await useBackend('webgpu');
      const a = tf.zeros([3, 5]);
      const b = tf.zeros([5, 7]);
      const problem = matMulProblem({ a, b, transposeA: false, transposeB: true, activation: 'linear' });
      assert.equal(problem, null, '5 ≠ 7: no problem for mismatched K');
      const ok = matMulProblem({ a, b, transposeA: false, transposeB: false, activation: 'linear' })!;
      process.env[MATMUL_CONFIG_ENV] = '16x32x4:2x4:vec1';
      try {
        assert.equal(formatConfig(configFor(ok)), '16x32x4:2x4:vec1');
        // the kernel reads it on every product: a bad value fails the next matmul, naming the variable
        process.env[MATMUL_CONFIG_ENV] = '64x64';
        assert.throws(
          () => tf.matMul(a, b),
          /^MatMulConfigError: TFPIPE_MATMUL_CONFIG: '64x64' is not a matmul config; expected/,
        );
      } finally {
        delete process.env[MATMUL_CONFIG_ENV];
        tf.dispose([a, b]);
      }
    },
  );

  it('rejects malformed and impossible values in one line naming the variable', () => {
    const bad: [string, RegExp][] = [
      ['banana', /not a matmul config; expected tileMxtileNxtileK:rowsxcols:vec1\|vec4, e\.g\. 64x64x8:8x8:vec4$/],
      ['64x64x8:8x3:vec4', /cannot run: the tile 64x64 is not a whole number of 8x3 blocks$/],
      ['16x16x8:2x2:vec4', /cannot run: vec4 needs rows and cols per thread divisible by 4$/],
      ['128x128x8:4x4:vec4', /cannot run: 1024 invocations per workgroup, over WebGPU's 256$/],
      ['64x64x8:8x8:vec4:subgroups', /cannot run: subgroups are not used yet/],
    ];
    for (const [value, why] of bad) {
      assert.throws(
        () => forcedConfig({ [MATMUL_CONFIG_ENV]: value }),
        (e: Error) => {
          assert.match(e.message, new RegExp(`^${MATMUL_CONFIG_ENV}: '${value}' `));
          assert.match(e.message, why);
          assert.ok(!e.message.includes('\n'));
          return true;
        },
      );
    }
    assert.deepEqual(
      parseConfig(' 32x64x16:4x4:vec4 ', 'x'),
      CANDIDATES.find((c) => formatConfig(c) === '32x64x16:4x4:vec4'),
    );
  });
});

describe('configs per shape class', () => {
  it("a class the time cap left untimed borrows its transposes' other size, else the plain large product's", () => {
    const [x, y] = [CANDIDATES[1], CANDIDATES[2]];
    const problem = (M: number, N: number, transposeA: boolean) => {
      const a = { shape: transposeA ? [8, M] : [M, 8], dtype: 'float32' as const, dataId: {} };
      const b = { shape: [8, N], dtype: 'float32' as const, dataId: {} };
      return matMulProblem({ a, b, transposeA, transposeB: false, activation: 'linear' })!;
    };
    setWinners({ 'nn-large': x, 'tn-small': y });
    try {
      assert.equal(configFor(problem(512, 512, false)), x, 'nn-large: its own');
      assert.equal(configFor(problem(8, 8, false)), x, 'nn-small: nn-large');
      assert.equal(configFor(problem(512, 512, true)), y, 'tn-large: tn-small');
      setWinners({});
      assert.equal(configFor(problem(512, 512, true)), DEFAULT_CONFIG, 'nothing tuned: the default');
    } finally {
      setWinners({});
    }
  });
});
