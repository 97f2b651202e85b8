// parseSpecText and YAML aliases: ordinary anchors and merges resolve; a file whose aliases would expand past
// the limit (a "billion laughs") is one located problem, fatal, instead of an exception (issue 13 item 7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpecText } from '../../runner/spec/parse.ts';

test('anchors, aliases and merge keys resolve as before', () => {
  const parsed = parseSpecText('p.yaml', 'base: &b {lr: 0.1, epochs: 2}\ntrain:\n  <<: *b\n  epochs: 3\nagain: *b\n');
  assert.equal(parsed.fatal, false);
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.value, {
    base: { lr: 0.1, epochs: 2 },
    train: { lr: 0.1, epochs: 3 },
    again: { lr: 0.1, epochs: 2 },
  });
});

test('aliases that expand past 1000 uses are a fatal problem at the first alias, not an exception', () => {
  const lines = ['name: bomb', 'a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 7; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  const parsed = parseSpecText('bomb.yaml', `${lines.join('\n')}\n`);
  assert.equal(parsed.fatal, true);
  assert.equal(parsed.value, undefined);
  assert.equal(parsed.problems.length, 1);
  const [problem] = parsed.problems;
  assert.equal(problem.code, 'yaml-syntax');
  assert.match(problem.message, /^YAML aliases expand too far \(.*; at most 1000 alias uses\)$/);
  assert.deepEqual([problem.location?.file, problem.location?.line, problem.location?.col], ['bomb.yaml', 3, 10]);
});
