// Where the Hugging Face cache is and how repos are named in it: huggingface_hub's rules, from a handed-in env.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hubCacheDir, repoFolderName } from '../../../models/hub/cache-layout.ts';
import { isHubRepoId } from '../../../models/hub/resolve.ts';
import { DEFAULT_HF_ENDPOINT, hubClient, normalizeEtag, resolveUrl } from '../../../models/hub/http.ts';

test('the hub cache: HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub', () => {
  const home = { HOME: '/home/ada' };
  assert.equal(hubCacheDir({ ...home, HF_HUB_CACHE: '/c/hub', HF_HOME: '/h', XDG_CACHE_HOME: '/x' }), '/c/hub');
  assert.equal(hubCacheDir({ ...home, HUGGINGFACE_HUB_CACHE: '/legacy', HF_HOME: '/h' }), '/legacy');
  assert.equal(hubCacheDir({ ...home, HF_HOME: '/h', XDG_CACHE_HOME: '/x' }), '/h/hub');
  assert.equal(hubCacheDir({ ...home, HF_HOME: '~/hf' }), '/home/ada/hf/hub');
  assert.equal(hubCacheDir({ ...home, XDG_CACHE_HOME: '/x' }), '/x/huggingface/hub');
  assert.equal(hubCacheDir(home), '/home/ada/.cache/huggingface/hub');
  assert.throws(() => hubCacheDir({}), /HOME is not set; set HF_HUB_CACHE or HF_HOME/);
});

test('repo folders: models--{org}--{name}', () => {
  assert.equal(repoFolderName('gpt2'), 'models--gpt2');
  assert.equal(repoFolderName('openai-community/gpt2-medium'), 'models--openai-community--gpt2-medium');
});

test('repo ids follow huggingface_hub validate_repo_id', () => {
  for (const id of ['gpt2', 'gpt2-xl', 'openai-community/gpt2', 'distil.gpt2_v1']) assert.ok(isHubRepoId(id), id);
  for (const id of ['./gpt2', '/abs/path', 'a/b/c', 'a--b', 'a..b', '-gpt2', 'gpt2.git', 'a b', ''])
    assert.ok(!isHubRepoId(id), id);
});

test('endpoint, URLs and etags as huggingface_hub builds and reads them', () => {
  assert.equal(hubClient({}).endpoint, DEFAULT_HF_ENDPOINT);
  assert.equal(hubClient({ HF_ENDPOINT: 'http://mirror.local/' }).endpoint, 'http://mirror.local');
  assert.equal(hubClient({ HF_TOKEN: 'hf_x' }).token, 'hf_x');
  assert.equal(resolveUrl('http://m', 'gpt2', 'main', 'config.json'), 'http://m/gpt2/resolve/main/config.json');
  assert.equal(resolveUrl('http://m', 'o/r', 'refs/pr/1', 'a b.json'), 'http://m/o/r/resolve/refs%2Fpr%2F1/a%20b.json');
  assert.equal(normalizeEtag('W/"abc"'), 'abc');
  assert.equal(normalizeEtag('"abc"'), 'abc');
  assert.equal(normalizeEtag(null), undefined);
});
