// The git state a run records: the commit checked out and whether the work tree has changes, tfpipe's own folders
// aside; nothing (and no error) outside a work tree or before the first commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGitState } from '../../runner/runs/git.ts';

/** git in `dir`, with an identity and no signing whatever the user's config says. */
function git(dir: string, ...args: string[]): string {
  const config = ['-c', 'user.name=tfpipe test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false'];
  return execFileSync('git', [...config, ...args], { cwd: dir, encoding: 'utf8' }).trim();
}

// A temp folder is never inside a work tree the test did not make, whatever encloses the temp folder.
const env = { ...process.env, GIT_CEILING_DIRECTORIES: tmpdir() };

test('outside a work tree, and in a repository without a commit: no git state, no error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-git-'));
  assert.equal(await readGitState(dir, { env }), undefined);
  git(dir, 'init', '-q');
  assert.equal(await readGitState(dir, { env }), undefined);
  assert.equal(await readGitState(join(dir, 'absent'), { env }), undefined, 'a folder that does not exist');
});

test('the commit of HEAD, dirty after any change to the tree but not after a change in tfpipe folders', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-git-'));
  git(dir, 'init', '-q');
  await mkdir(join(dir, 'pipes'));
  await writeFile(join(dir, 'pipes/p.yaml'), 'name: p\n');
  await writeFile(join(dir, 'data.csv'), 'a\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'first');
  const head = git(dir, 'rev-parse', 'HEAD');
  const home = join(dir, 'pipes/.tfpipe');
  const state = () => readGitState(join(dir, 'pipes'), { env, ignore: [home, join(home, 'cache')] });
  assert.deepEqual(await state(), { commit: head, dirty: false });

  await mkdir(join(home, 'runs'), { recursive: true });
  await writeFile(join(home, 'runs/r.json'), '{}');
  assert.deepEqual(await state(), { commit: head, dirty: false }, 'the run records are not a change');

  await writeFile(join(dir, 'data.csv'), 'b\n');
  assert.deepEqual(await state(), { commit: head, dirty: true }, 'a tracked file changed (outside the folder)');
  git(dir, 'commit', '-q', '-am', 'second');
  const second = git(dir, 'rev-parse', 'HEAD');
  assert.notEqual(second, head);
  assert.deepEqual(await state(), { commit: second, dirty: false });

  await writeFile(join(dir, 'pipes/new.yaml'), 'name: new\n');
  assert.equal((await state())?.dirty, true, 'an untracked file');
  git(dir, 'add', 'pipes/new.yaml');
  git(dir, 'commit', '-q', '-m', 'third');
  await rename(join(dir, 'pipes/new.yaml'), join(dir, 'pipes/renamed.yaml'));
  git(dir, 'add', '-A');
  assert.equal((await state())?.dirty, true, 'a staged rename');
});
