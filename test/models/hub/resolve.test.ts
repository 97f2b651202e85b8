// resolveModelFolder against a fake Hub on 127.0.0.1: the cache layout it writes, cache hits without requests,
// HF_HUB_OFFLINE, renamed repos, the pytorch-only error, local folders. Never touches the real network.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, lstat, mkdir, readFile, readlink, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { resolveModelFolder } from '../../../models/hub/resolve.ts';
import { HubError } from '../../../models/hub/errors.ts';
import { HF_REFERENCE } from '../../helpers/context.ts';
import { sha256Hex, startFakeHub, type FakeHub } from './fake-hub.ts';
import {
  cdnGets,
  fakeCommit,
  hubEnv,
  makeHubCache,
  removeHubCaches,
  TINY_DIR,
  TINY_FILES,
  tinyRepo,
} from './fixtures.ts';

let hub: FakeHub;

before(async () => {
  hub = await startFakeHub({
    repos: {
      'openai-community/tiny-gpt2': await tinyRepo('tiny'),
      'someone/pt-only': {
        commit: fakeCommit('pt'),
        files: {
          'config.json': await readFile(join(TINY_DIR, 'config.json')),
          'pytorch_model.bin': Buffer.from('not really a pickle'),
        },
      },
      'someone/no-generation-config': await tinyRepo('no-gen', ['config.json', 'model.safetensors']),
    },
    renamed: { 'tiny-gpt2': 'openai-community/tiny-gpt2' },
  });
});

after(async () => {
  await hub.close();
  await removeHubCaches();
});

const isHubError =
  (reason: string, ...fragments: string[]) =>
  (error: unknown) => {
    assert.ok(error instanceof HubError, `expected a HubError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    for (const fragment of fragments)
      assert.ok(error.message.includes(fragment), `message lacks '${fragment}': ${error.message}`);
    return true;
  };

test('a first download fills the huggingface_hub layout: refs/main, snapshot symlinks into blobs/', async () => {
  const cache = await makeHubCache();
  const started: number[] = [];
  let last = 0;
  const progress = { start: (total: number) => started.push(total), update: (done: number) => void (last = done) };
  const got = await resolveModelFolder('openai-community/tiny-gpt2', {
    env: hubEnv(hub, cache),
    baseDir: '/nonexistent',
    progress,
  });

  const repoDir = join(cache, 'models--openai-community--tiny-gpt2');
  const commit = fakeCommit('tiny');
  assert.deepEqual(got, {
    dir: join(repoDir, 'snapshots', commit),
    source: 'downloaded',
    revision: commit,
    repoId: 'openai-community/tiny-gpt2',
  });
  assert.equal(await readFile(join(repoDir, 'refs', 'main'), 'utf8'), commit);
  assert.deepEqual((await readdir(got.dir)).sort(), TINY_FILES);
  for (const name of TINY_FILES) {
    const link = join(got.dir, name);
    assert.ok((await lstat(link)).isSymbolicLink(), `${name} is a symlink`);
    const target = await readlink(link);
    assert.match(target, /^\.\.\/\.\.\/blobs\/[0-9a-f]{40,64}$/);
    assert.deepEqual(await readFile(link), await readFile(join(TINY_DIR, name)), `${name} bytes`);
  }
  const weights = await readFile(join(TINY_DIR, 'model.safetensors'));
  assert.equal(
    basename(await readlink(join(got.dir, 'model.safetensors'))),
    sha256Hex(weights),
    'LFS blob named by its sha256',
  );
  assert.deepEqual(
    (await readdir(join(repoDir, 'blobs'))).filter((name) => name.includes('.')),
    [],
    'no .incomplete left',
  );

  const sizes = await Promise.all(TINY_FILES.map(async (name) => (await readFile(join(TINY_DIR, name))).length));
  const total = sizes.reduce((a, b) => a + b, 0);
  assert.deepEqual(started, [total], 'one progress bar over every byte');
  assert.equal(last, total);
});

test('a second resolution comes from the cache without a single request', async () => {
  const cache = await makeHubCache();
  const env = hubEnv(hub, cache);
  const first = await resolveModelFolder('openai-community/tiny-gpt2', { env, baseDir: '/nonexistent' });
  const before = hub.requests.length;
  const second = await resolveModelFolder('openai-community/tiny-gpt2', { env, baseDir: '/nonexistent' });
  assert.equal(hub.requests.length, before, 'no request');
  assert.deepEqual(second, { ...first, source: 'hf-cache' });
  const pinned = await resolveModelFolder('openai-community/tiny-gpt2', {
    env,
    baseDir: '/nonexistent',
    revision: first.revision,
  });
  assert.equal(pinned.dir, first.dir, 'a commit hash finds its snapshot directly');
  assert.equal(hub.requests.length, before);
});

test('HF_HUB_OFFLINE: a warm cache works, a cold one fails naming the folder searched, neither asks the network', async () => {
  const warm = await makeHubCache();
  const online = await resolveModelFolder('openai-community/tiny-gpt2', {
    env: hubEnv(hub, warm),
    baseDir: '/nonexistent',
  });
  const before = hub.requests.length;
  const offline = await resolveModelFolder('openai-community/tiny-gpt2', {
    env: hubEnv(hub, warm, { HF_HUB_OFFLINE: '1' }),
    baseDir: '/nonexistent',
  });
  assert.deepEqual(offline, { ...online, source: 'hf-cache' });

  const cold = await makeHubCache();
  await assert.rejects(
    resolveModelFolder('openai-community/tiny-gpt2', {
      env: hubEnv(hub, cold, { HF_HUB_OFFLINE: '1' }),
      baseDir: '/nonexistent',
    }),
    isHubError('offline-miss', 'HF_HUB_OFFLINE', join(cold, 'models--openai-community--tiny-gpt2'), 'refs/main'),
  );
  assert.equal(hub.requests.length, before, 'no request in offline mode');
});

test('a renamed repo (relative redirect) downloads, cached under the id that was asked for', async () => {
  const cache = await makeHubCache();
  const got = await resolveModelFolder('tiny-gpt2', { env: hubEnv(hub, cache), baseDir: '/nonexistent' });
  assert.equal(got.dir, join(cache, 'models--tiny-gpt2', 'snapshots', fakeCommit('tiny')));
  assert.deepEqual(
    await readFile(join(got.dir, 'model.safetensors')),
    await readFile(join(TINY_DIR, 'model.safetensors')),
  );
});

test('a repo with only pytorch_model.bin fails saying tfpipe reads safetensors and how to convert', async () => {
  const cache = await makeHubCache();
  await assert.rejects(
    resolveModelFolder('someone/pt-only', { env: hubEnv(hub, cache), baseDir: '/nonexistent' }),
    isHubError(
      'no-safetensors',
      'someone/pt-only',
      'pytorch_model.bin',
      'tfpipe reads safetensors',
      'save_pretrained',
      'safe_serialization=True',
    ),
  );
  assert.equal(cdnGets(hub).filter((r) => r.path.includes('pt-only')).length, 0, 'the .bin is not downloaded');
});

test('a missing generation_config.json is fine and leaves a .no_exist marker as huggingface_hub does', async () => {
  const cache = await makeHubCache();
  const got = await resolveModelFolder('someone/no-generation-config', {
    env: hubEnv(hub, cache),
    baseDir: '/nonexistent',
  });
  assert.deepEqual((await readdir(got.dir)).sort(), ['config.json', 'model.safetensors']);
  const marker = join(
    cache,
    'models--someone--no-generation-config',
    '.no_exist',
    fakeCommit('no-gen'),
    'generation_config.json',
  );
  assert.ok((await lstat(marker)).isFile());
});

test('unknown repos and revisions are reported as not found', async () => {
  const cache = await makeHubCache();
  const opts = { env: hubEnv(hub, cache), baseDir: '/nonexistent' };
  await assert.rejects(
    resolveModelFolder('someone/nothing-here', opts),
    isHubError('not-found', 'someone/nothing-here'),
  );
  await assert.rejects(
    resolveModelFolder('openai-community/tiny-gpt2', { ...opts, revision: 'v9' }),
    isHubError('not-found', "no revision 'v9'"),
  );
});

test('a cache written by Python with plain files (no symlinks) is read as is', async () => {
  const cache = await makeHubCache();
  const commit = fakeCommit('python-made');
  const repoDir = join(cache, 'models--gpt2');
  await mkdir(join(repoDir, 'snapshots', commit), { recursive: true });
  await mkdir(join(repoDir, 'refs'));
  await writeFile(join(repoDir, 'refs', 'main'), commit);
  for (const name of ['config.json', 'model.safetensors'])
    await copyFile(join(TINY_DIR, name), join(repoDir, 'snapshots', commit, name));
  const before = hub.requests.length;
  const got = await resolveModelFolder('gpt2', {
    env: hubEnv(hub, cache, { HF_HUB_OFFLINE: 'true' }),
    baseDir: '/nonexistent',
  });
  assert.deepEqual(got, {
    dir: join(repoDir, 'snapshots', commit),
    source: 'hf-cache',
    revision: commit,
    repoId: 'gpt2',
  });
  assert.equal(hub.requests.length, before);
});

test('a sharded snapshot in the cache (as huggingface-cli download leaves it) is used without a request', async () => {
  const cache = await makeHubCache();
  const commit = fakeCommit('python-sharded');
  const snapshot = join(cache, 'models--someone--sharded', 'snapshots', commit);
  await mkdir(snapshot, { recursive: true });
  await mkdir(join(cache, 'models--someone--sharded', 'refs'));
  await writeFile(join(cache, 'models--someone--sharded', 'refs', 'main'), commit);
  await copyFile(join(TINY_DIR, 'config.json'), join(snapshot, 'config.json'));
  await copyFile(join(TINY_DIR, 'model.safetensors'), join(snapshot, 'model-00001-of-00001.safetensors'));
  await writeFile(
    join(snapshot, 'model.safetensors.index.json'),
    JSON.stringify({ weight_map: { 'transformer.wte.weight': 'model-00001-of-00001.safetensors' } }),
  );
  const before = hub.requests.length;
  const got = await resolveModelFolder('someone/sharded', {
    env: hubEnv(hub, cache, { HF_HUB_OFFLINE: '1' }),
    baseDir: '/nonexistent',
  });
  assert.deepEqual(got, { dir: snapshot, source: 'hf-cache', revision: commit, repoId: 'someone/sharded' });
  assert.equal(hub.requests.length, before);
});

test('a local folder with config.json is returned as is, absolute or relative to baseDir, before any Hub lookup', async () => {
  const cache = await makeHubCache();
  const env = hubEnv(hub, cache);
  const before = hub.requests.length;
  assert.deepEqual(await resolveModelFolder(TINY_DIR, { env, baseDir: '/nonexistent' }), {
    dir: TINY_DIR,
    source: 'local',
  });
  // `tiny-gpt2` is also a valid repo id (the fake Hub has it): the folder wins, as in transformers.
  assert.deepEqual(await resolveModelFolder('tiny-gpt2', { env, baseDir: HF_REFERENCE }), {
    dir: TINY_DIR,
    source: 'local',
  });
  assert.deepEqual(await resolveModelFolder('../tiny-gpt2', { env, baseDir: join(HF_REFERENCE, 'x') }), {
    dir: TINY_DIR,
    source: 'local',
  });
  assert.equal(hub.requests.length, before);

  await assert.rejects(
    resolveModelFolder('./no/such/folder', { env, baseDir: '/tmp' }),
    isHubError('bad-ref', resolve('/tmp/no/such/folder'), 'gpt2'),
  );
  await assert.rejects(
    resolveModelFolder(dirname(TINY_DIR), { env, baseDir: '/tmp' }),
    isHubError('bad-ref', `${dirname(TINY_DIR)} has no config.json`),
  );
});
