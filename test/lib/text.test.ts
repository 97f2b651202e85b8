// The one number formatter and the one table layout every report, listing and stage summary uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNumber } from '../../lib/text/number.ts';
import { formatTable } from '../../lib/text/table.ts';

test('numbers: integers and thousands grouped, small fractions to four significant digits, fixed digits on request', () => {
  assert.equal(formatNumber(124_439_808), '124,439,808');
  assert.equal(formatNumber(1234.56), '1,234.6');
  assert.equal(formatNumber(0.873412), '0.8734');
  assert.equal(formatNumber(-0.5), '-0.5');
  assert.equal(formatNumber(0.000123456), '0.0001235');
  assert.equal(formatNumber(27.3412, 2), '27.34');
  assert.equal(formatNumber(1598.6, 1), '1,598.6');
  assert.equal(formatNumber(Number.NaN), 'NaN');
});

test('tables: padded to the widest cell, trailing blanks trimmed; right-aligned figures and a rule on request', () => {
  assert.deepEqual(
    formatTable([
      ['run', 'acc'],
      ['a-long-id', '0.87'],
      ['b', ''],
    ]),
    ['run        acc', 'a-long-id  0.87', 'b'],
  );
  assert.deepEqual(
    formatTable(
      [
        ['', 'perplexity'],
        ['base', '42.99'],
        ['LoRA', '30.29'],
      ],
      { right: (i) => i > 0, rule: true },
    ),
    ['      perplexity', '────  ──────────', 'base       42.99', 'LoRA       30.29'],
  );
});
