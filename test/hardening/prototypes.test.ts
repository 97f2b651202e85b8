// Prototype pollution: `--set '__proto__.polluted=1'` used to write Object.prototype.polluted and end in an ajv
// stack trace. `__proto__`, `constructor` and `prototype` are refused as --set and --sweep path segments, as keys in
// a --set value, and as YAML keys at any depth (with file:line:col, also in an `extends` base).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline as loadSpec } from '../../runner/spec/load.ts';
import { makeProject, runCli } from '../cli/helpers.ts';
import { assertProbe, labelledCsv, loadPipeline } from './probe.ts';

const project = () => makeProject({ 'd.csv': labelledCsv(), 'p.yaml': loadPipeline('d.csv') });

const SET_PROBES: [string, RegExp][] = [
  ['__proto__.polluted=1', /--set:1:1: --set `__proto__\.polluted=1`: the path segment `__proto__` is not allowed/],
  ['stages.__proto__.x=1', /--set:1:8: --set `stages\.__proto__\.x=1`: the path segment `__proto__` is not allowed/],
  [
    'data.constructor.prototype.y=1',
    /--set:1:6: --set `data\.constructor\.prototype\.y=1`: the path segment `constructor` is not allowed/,
  ],
  ['vars.prototype=1', /--set:1:6: --set `vars\.prototype=1`: the path segment `prototype` is not allowed/],
  [
    'data.columns={__proto__: {polluted: 1}}',
    /--set:1:14: --set `data\.columns=\{__proto__: \{polluted: 1\}\}`: the value has a key `__proto__`, which is not allowed/,
  ],
];

for (const [arg, message] of SET_PROBES) {
  test(`probe: --set '${arg}' is refused, naming the flag, and reaches no prototype`, async () => {
    const dir = await project();
    assertProbe(await runCli(dir, ['validate', 'p.yaml', '--set', arg]), 2, message);
    assertProbe(await runCli(dir, ['run', 'p.yaml', '--set', arg]), 2, message);
  });
}

test("probe: --sweep '__proto__.x=1,2' and a sweep value with a __proto__ key are refused, naming --sweep", async () => {
  const dir = await project();
  assertProbe(
    await runCli(dir, ['run', 'p.yaml', '--sweep', '__proto__.x=1,2']),
    2,
    /--sweep `__proto__\.x=1,2`: the path segment `__proto__` is not allowed/,
  );
  assertProbe(
    await runCli(dir, ['run', 'p.yaml', '--sweep', 'data.columns={constructor: 1},{text: text}']),
    2,
    /--sweep `data\.columns=.*`: a value has a key `constructor`, which is not allowed/,
  );
});

test('probe: YAML keys __proto__, constructor and prototype are refused at their file:line:col', async () => {
  const dir = await makeProject({
    'd.csv': labelledCsv(),
    'p.yaml': [
      '__proto__: {stages: {}}',
      'stages:',
      '  data:',
      '    kind: load',
      '    path: d.csv',
      '    columns: {text: text, prototype: 1}',
      '  constructor:',
      '    kind: load',
      '    path: d.csv',
      '',
    ].join('\n'),
  });
  const result = await runCli(dir, ['validate', 'p.yaml']);
  assertProbe(result, 2, /p\.yaml:1:1: key `__proto__` is not allowed/);
  assert.match(result.stderr, /p\.yaml:6:27: key `prototype` is not allowed/);
  assert.match(result.stderr, /p\.yaml:7:3: key `constructor` is not allowed/);
  assert.match(result.stderr, /3 problems/);
});

test('probe: a __proto__ key in an extends base is refused at its place in the base, not merged', async () => {
  const dir = await makeProject({
    'd.csv': labelledCsv(),
    'base.yaml': 'stages:\n  data:\n    __proto__: {kind: load}\n',
    'p.yaml': `extends: base.yaml\n${loadPipeline('d.csv')}`,
  });
  assertProbe(await runCli(dir, ['validate', 'p.yaml']), 2, /base\.yaml:3:5: key `__proto__` is not allowed/);
});

test('a refused --set leaves Object.prototype as it was (in-process load)', async () => {
  const dir = await project();
  for (const set of ['__proto__.polluted=1', 'stages.__proto__.polluted=1', 'data.constructor.prototype.polluted=1']) {
    const result = await loadSpec(`${dir}/p.yaml`, { set: [set] });
    assert.equal(result.ok, false);
    assert.ok(
      !result.ok && result.problems.every((p) => p.code === 'forbidden-key'),
      JSON.stringify(!result.ok && result.problems),
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  }
});

test('probe: --set walks own keys only: `hasOwnProperty.kind=load` makes a stage of that name, not a walk into Object.prototype', async () => {
  const dir = await project();
  const result = await runCli(dir, [
    'validate',
    'p.yaml',
    '--set',
    'hasOwnProperty.kind=load',
    '--set',
    'hasOwnProperty.path=d.csv',
  ]);
  assertProbe(result, 0, /p\.yaml: valid — 2 stages \(data, hasOwnProperty\)/);
});
