import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { newRunId, RUN_ID_PATTERN } from '../../runner/runs/record.ts';
import {
  effectiveStatus,
  readRunRecords,
  registryHome,
  resolveRunRef,
  runsDir,
  writeRunRecord,
} from '../../runner/runs/registry.ts';
import { makeRecord } from './fixtures.ts';

test('run ids are UTC date-time plus 4 hex digits, and sort by start time', () => {
  assert.equal(newRunId(new Date('2026-11-28T07:15:02.500Z'), 'ab12'), '20261128-071502-ab12');
  assert.match(newRunId(), RUN_ID_PATTERN);
  const early = newRunId(new Date('2026-01-09T23:59:59Z'), 'ffff');
  const late = newRunId(new Date('2026-01-10T00:00:00Z'), '0000');
  assert.ok(early < late);
});

test('the registry sits beside the default cache, and inside any other cache root', () => {
  assert.equal(registryHome('/w/.tfpipe/cache'), '/w/.tfpipe');
  assert.equal(runsDir('/w/.tfpipe/cache'), '/w/.tfpipe/runs');
  assert.equal(runsDir('/big/disk/tfcache'), '/big/disk/tfcache/runs');
  assert.equal(runsDir('/big/cache'), '/big/cache/runs');
});

test('records are listed oldest first; unreadable files are reported, not fatal', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-registry-'));
  await writeRunRecord(dir, makeRecord('20261128-071502-bbbb'));
  await writeRunRecord(dir, makeRecord('20261127-090000-aaaa'));
  await writeFile(join(dir, 'broken.json'), '{not json');
  const listing = await readRunRecords(dir);
  assert.deepEqual(
    listing.records.map((r) => r.id),
    ['20261127-090000-aaaa', '20261128-071502-bbbb'],
  );
  assert.deepEqual(
    listing.unreadable.map((u) => u.file),
    [join(dir, 'broken.json')],
  );
  assert.deepEqual((await readdir(dir)).sort(), [
    '20261127-090000-aaaa.json',
    '20261128-071502-bbbb.json',
    'broken.json',
  ]);
  assert.deepEqual(await readRunRecords(join(dir, 'absent')), { records: [], unreadable: [] });
});

test('runs are named by id, unique prefix, LAST or LAST~N', () => {
  const records = ['20261127-090000-aaaa', '20261128-071502-bbbb', '20261128-071502-bccc'].map((id) => makeRecord(id));
  const id = (ref: string) => {
    const found = resolveRunRef(records, ref);
    return found.ok ? found.record.id : found.error;
  };
  assert.equal(id('LAST'), '20261128-071502-bccc');
  assert.equal(id('last~2'), '20261127-090000-aaaa');
  assert.equal(id('LAST~3'), 'LAST~3: there are only 3 recorded runs');
  assert.equal(id('20261127'), '20261127-090000-aaaa');
  assert.equal(id('20261128-071502-bbbb'), '20261128-071502-bbbb');
  assert.match(id('20261128'), /ambiguous: 20261128-071502-bbbb, 20261128-071502-bccc/);
  assert.match(id('2025'), /no run `2025`; the newest is 20261128-071502-bccc/);
});

test('a name given with --name finds the newest run of that name; ids, LAST and prefixes still win as before', () => {
  const records = [
    makeRecord('20261127-090000-aaaa', { name: 'base' }),
    makeRecord('20261128-071502-bbbb', { name: 'base' }),
    makeRecord('20261128-071503-cccc', { name: 'wide' }),
  ];
  const id = (ref: string) => {
    const found = resolveRunRef(records, ref);
    return found.ok ? found.record.id : found.error;
  };
  assert.equal(id('base'), '20261128-071502-bbbb');
  assert.equal(id('wide'), '20261128-071503-cccc');
  assert.equal(id('LAST~2'), '20261127-090000-aaaa');
  assert.equal(id('20261127'), '20261127-090000-aaaa');
  assert.match(id('narrow'), /no run `narrow`/);
});

test('a record left running by a process that is gone reads as interrupted', () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(dead.stdout);
  assert.equal(effectiveStatus(makeRecord('20261128-071502-aaaa', { status: 'running', pid })), 'interrupted');
  assert.equal(
    effectiveStatus(makeRecord('20261128-071502-aaaa', { status: 'running' })),
    'running',
    'this process is alive',
  );
  assert.equal(
    effectiveStatus(makeRecord('20261128-071502-aaaa', { status: 'running', pid, host: 'elsewhere' })),
    'running',
    "another host's pid says nothing",
  );
  assert.equal(effectiveStatus(makeRecord('20261128-071502-aaaa', { status: 'failed' })), 'failed');
});
