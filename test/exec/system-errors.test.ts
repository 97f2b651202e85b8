// describeSystemError: Node's file-system errors as "cannot <verb> <path>: <reason> (CODE)", from real failing
// calls (a write to /dev/full, a name too long, a path through a file), and nothing for other errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, open, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSystemError, isPathProblem } from '../../runner/exec/system-errors.ts';

async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  assert.fail('the call did not fail');
}

test('errors with a path name it, with the reason and the code', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-syserr-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const long = join(dir, 'x'.repeat(300));
  const tooLong = await failure(() => writeFile(long, 'x'));
  assert.equal(
    describeSystemError(tooLong),
    `cannot open ${long}: the name is too long for the file system (ENAMETOOLONG)`,
  );
  assert.equal(isPathProblem(tooLong), true);
  await writeFile(join(dir, 'file'), 'x');
  const throughFile = await failure(() => writeFile(join(dir, 'file', 'y'), 'x'));
  assert.equal(
    describeSystemError(throughFile),
    `cannot open ${join(dir, 'file', 'y')}: a part of the path is a file, not a folder (ENOTDIR)`,
  );
  const moved = await failure(() => rename(join(dir, 'missing'), join(dir, 'there')));
  assert.equal(
    describeSystemError(moved),
    `cannot rename ${join(dir, 'missing')} to ${join(dir, 'there')}: no such file or folder (ENOENT)`,
  );
});

test(
  'an error without a path (a write on an open file) gets the folder the work was in',
  { skip: existsSync('/dev/full') ? false : 'no /dev/full here' },
  async () => {
    const handle = await open('/dev/full', 'w');
    const full = await failure(() => handle.write(Buffer.alloc(4096)));
    await handle.close();
    assert.equal(
      describeSystemError(full, '/cache/tmp/x/out'),
      'cannot write a file in /cache/tmp/x/out: no space left on the device (ENOSPC)',
    );
    assert.equal(isPathProblem(full), false, "a full disk is the machine's problem, not the path's");
  },
);

test('other errors are not described', () => {
  assert.equal(describeSystemError(new Error('boom')), undefined);
  assert.equal(describeSystemError(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' })), undefined);
  assert.equal(describeSystemError('EROFS'), undefined);
});
