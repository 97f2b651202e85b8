// Acceptance of the remote cache on the S3 API (issue 15, item 3), against an S3 server on 127.0.0.1 (s3rver, in
// this process) and the real CLI: a run pushes what it computes and a run with an empty cache pulls it and runs
// nothing; a flipped byte or a short remote object is reported and recomputed, never used; two pushes of one entry
// at once leave one valid entry; a push killed before its manifest leaves nothing a pull would use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeProject, runCli, startCli, stagesByAction } from './helpers.ts';
import { reviewsCsv } from './lab1-fixture.ts';
import { BUCKET, putSettled, startProxy, useS3Server } from '../cache/remote/s3-server.ts';
import { blobKey, manifestKey } from '../../runner/cache/remote/layout.ts';
import type { Manifest } from '../../runner/cache/store.ts';
import type { Fingerprint } from '../../stages/stage.ts';

// The four light stages of test/cli/run-cache.test.ts.
const STAGES = `stages:
  data:
    kind: load
    path: reviews.csv
    columns: {text: review, label: sentiment}
  split:
    kind: split
    input: data
    valid: 0.25
    test: 0.25
  vocab:
    kind: vocab
    input: split
    min_freq: 1
  tokenize:
    kind: tokenize
    input: split
    vocab: vocab
    mode: word
    max_length: 6
`;
const ALL = ['data', 'split', 'vocab', 'tokenize'];

const s3 = useS3Server();

let projects = 0;
/** A project whose pipeline names its own prefix on the test bucket (so tests do not share entries). */
async function project(withRemoteKey = true): Promise<{ dir: string; prefix: string; url: string }> {
  const prefix = `t${++projects}-${process.pid}`;
  const url = `s3://${BUCKET}/${prefix}`;
  const text = `name: remote-test\n${withRemoteKey ? `remote: ${url}\n` : ''}${STAGES}`;
  return { dir: await makeProject({ 'p.yaml': text, 'reviews.csv': reviewsCsv(60) }), prefix, url };
}

async function freshCache(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tfpipe-cache-'));
}

/** The manifest of the entry of kind `kind` in a local cache. */
async function localManifest(cacheDir: string, kind: string): Promise<Manifest> {
  for (const name of await readdir(cacheDir)) {
    const text = await readFile(join(cacheDir, name, 'manifest.json'), 'utf8').catch(() => null);
    if (text && JSON.parse(text).tree.kind === kind) return JSON.parse(text) as Manifest;
  }
  throw new Error(`no ${kind} entry in ${cacheDir}`);
}

async function bytesOf(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  assert.ok(body, 'the object exists');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

test('a run pushes what it computes; a run with an empty cache pulls every stage and runs nothing', async (t) => {
  const s = s3(t);
  if (!s) return;
  const { dir } = await project();
  const [a, b] = [await freshCache(), await freshCache()];
  const first = await runCli(dir, ['run', 'p.yaml', '--cache-dir', a], s.env);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.deepEqual(stagesByAction(first.stdout).ran, ALL);
  for (const id of ALL) assert.match(first.stdout, new RegExp(`^  ${id}: pushed to s3://`, 'm'));

  const status = await runCli(dir, ['status', 'p.yaml', '--cache-dir', b], s.env);
  assert.equal(status.code, 0, status.stderr);
  for (const id of ALL) assert.match(status.stdout, new RegExp(`^${id} +cached remotely$`, 'm'));
  assert.match(status.stdout, /0 of 4 stages will run/);

  const second = await runCli(dir, ['run', 'p.yaml', '--cache-dir', b], s.env);
  assert.equal(second.code, 0, second.stderr + second.stdout);
  assert.deepEqual(stagesByAction(second.stdout), { ran: [], cached: ALL });
  assert.match(second.stdout, /↺ vocab \(vocab\) cached \(pulled from the remote cache\)/);
  assert.match(second.stdout, /done: 0 ran, 4 cached/);
  // What was pulled is a verified local entry now: a third run needs no remote at all.
  const third = await runCli(dir, ['run', 'p.yaml', '--cache-dir', b, '--remote', 's3://no-such-bucket-here']);
  assert.deepEqual(stagesByAction(third.stdout), { ran: [], cached: ALL });
  assert.doesNotMatch(third.stdout, /pulled/);

  // A stage run alone takes the inputs it needs from the remote too.
  const alone = await runCli(
    dir,
    ['run', 'p.yaml', '--cache-dir', await freshCache(), '--only', 'tokenize', '--force=tokenize'],
    s.env,
  );
  assert.equal(alone.code, 0, alone.stderr + alone.stdout);
  assert.deepEqual(stagesByAction(alone.stdout).ran, ['tokenize']);
});

test('tfpipe push and pull sync by hand; pull --only takes one stage', async (t) => {
  const s = s3(t);
  if (!s) return;
  const { dir, url } = await project(false);
  const [a, b] = [await freshCache(), await freshCache()];
  assert.equal((await runCli(dir, ['run', 'p.yaml', '--cache-dir', a], s.env)).code, 0);
  const noRemote = await runCli(dir, ['push', 'p.yaml', '--cache-dir', a], s.env);
  assert.equal(noRemote.code, 2);
  assert.match(noRemote.stderr, /no remote cache: give --remote/);

  const push = await runCli(dir, ['push', 'p.yaml', '--cache-dir', a, '--remote', url], s.env);
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stdout, /pushed 4 of 4 stages to s3:\/\/.* MB\/s/);
  const again = await runCli(dir, ['push', 'p.yaml', '--cache-dir', a, '--remote', url], s.env);
  assert.match(again.stdout, /^vocab +already on the remote$/m);

  const one = await runCli(dir, ['pull', 'p.yaml', '--cache-dir', b, '--remote', url, '--only', 'vocab'], s.env);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /pulled 1 of 1 stages/);
  const status = await runCli(dir, ['status', 'p.yaml', '--cache-dir', b, '--json'], s.env);
  const states = (JSON.parse(status.stdout) as { stages: { stage: string; state: string }[] }).stages;
  assert.deepEqual(
    states.map((r) => `${r.stage} ${r.state}`),
    ['data will-run', 'split will-run', 'vocab cached', 'tokenize will-run'],
  );
  const rest = await runCli(dir, ['pull', 'p.yaml', '--cache-dir', b, '--remote', url], s.env);
  assert.equal(rest.code, 0, rest.stderr);
  assert.match(rest.stdout, /^vocab +already cached$/m);
  assert.match(rest.stdout, /pulled 3 of 4 stages/);
});

test('a flipped byte or a short remote object is reported, never used, and the stage recomputed', async (t) => {
  const s = s3(t);
  if (!s) return;
  const { dir, prefix, url } = await project();
  const a = await freshCache();
  assert.equal((await runCli(dir, ['run', 'p.yaml', '--cache-dir', a], s.env)).code, 0);
  const store = await s.store(prefix);
  const vocab = await localManifest(a, 'vocab');
  const vocabKey = blobKey(vocab.fingerprint, vocab.files['vocab.json'].sha256);
  const bytes = await bytesOf(await store.get(vocabKey));
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  await putSettled(store, vocabKey, bytes);
  const tokens = await localManifest(a, 'tokenize');
  const [tokenFile, tokenDigest] = Object.entries(tokens.files)[0];
  const short = (await bytesOf(await store.get(blobKey(tokens.fingerprint, tokenDigest.sha256)))).subarray(1);
  await putSettled(store, blobKey(tokens.fingerprint, tokenDigest.sha256), short);

  const b = await freshCache();
  const pull = await runCli(dir, ['pull', 'p.yaml', '--cache-dir', b], s.env);
  assert.equal(pull.code, 1, pull.stdout);
  const fp = vocab.fingerprint.slice(0, 12);
  assert.match(
    pull.stderr,
    new RegExp(`remote entry ${fp} \\(stage vocab\\): out/vocab.json does not match its manifest`),
  );
  assert.match(pull.stderr, new RegExp(`\\(stage tokenize\\): out/${tokenFile} does not match its manifest`));
  assert.match(pull.stdout, /pulled 2 of 4 stages/);
  const entries = await readdir(b);
  assert.ok(!entries.includes(vocab.fingerprint) && !entries.includes(tokens.fingerprint), 'nothing of them kept');

  const c = await freshCache();
  const run = await runCli(dir, ['run', 'p.yaml', '--cache-dir', c, '--remote', url], s.env);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.deepEqual(stagesByAction(run.stdout), { ran: ['vocab', 'tokenize'], cached: ['data', 'split'] });
  assert.match(
    run.stdout,
    /! vocab: cache entry unusable \(remote entry .*out\/vocab.json does not match its manifest/,
  );
  // The recomputed entry is the local one, verified like any other.
  assert.deepEqual(stagesByAction((await runCli(dir, ['run', 'p.yaml', '--cache-dir', c], s.env)).stdout).ran, []);
});

test('two pushes of the same entries at once leave one valid entry each', async (t) => {
  const s = s3(t);
  if (!s) return;
  const { dir, prefix, url } = await project(false);
  // Two caches that computed the same stages separately: equal outputs, manifests with different timestamps.
  const [a1, a2] = [await freshCache(), await freshCache()];
  for (const cache of [a1, a2]) assert.equal((await runCli(dir, ['run', 'p.yaml', '--cache-dir', cache])).code, 0);
  // Each manifest upload is held until the other push sends its own: both have checked that the entry is absent
  // and uploaded every blob, and both manifests land.
  const held = new Map<string, (() => void)[]>();
  let raced = 0;
  const proxy = await startProxy(s.endpoint, (req, forward) => {
    if (req.method !== 'PUT' || !req.url?.includes('/manifest.json')) return forward();
    const waiting = held.get(req.url) ?? [];
    waiting.push(forward);
    held.set(req.url, waiting);
    if (waiting.length === 2) {
      raced += 1;
      waiting.forEach((go) => go());
    }
  });
  t.after(() => proxy.close());
  const env = { ...s.env, AWS_ENDPOINT_URL_S3: proxy.endpoint };
  const pushes = await Promise.all(
    [a1, a2].map((cache) => runCli(dir, ['push', 'p.yaml', '--cache-dir', cache, '--remote', url], env)),
  );
  for (const push of pushes) assert.equal(push.code, 0, push.stderr + push.stdout);
  assert.equal(raced, 4, 'every entry was pushed by both at once');

  const store = await s.store(prefix);
  const vocab = await localManifest(a1, 'vocab');
  const landed = JSON.parse((await bytesOf(await store.get(manifestKey(vocab.fingerprint)))).toString()) as Manifest;
  assert.equal(landed.fingerprint, vocab.fingerprint);
  const b = await freshCache();
  const pull = await runCli(dir, ['pull', 'p.yaml', '--cache-dir', b, '--remote', url], s.env);
  assert.equal(pull.code, 0, pull.stderr + pull.stdout);
  assert.match(pull.stdout, /pulled 4 of 4 stages/);
  const run = await runCli(dir, ['run', 'p.yaml', '--cache-dir', b]);
  assert.deepEqual(stagesByAction(run.stdout), { ran: [], cached: ALL });
});

test('a push killed before its manifest leaves nothing that a pull would use', async (t) => {
  const s = s3(t);
  if (!s) return;
  const { dir, prefix, url } = await project(false);
  const a = await freshCache();
  assert.equal((await runCli(dir, ['run', 'p.yaml', '--cache-dir', a])).code, 0);
  // The first manifest upload never reaches the server: the pushing process is SIGKILLed while it is in flight.
  let push: ReturnType<typeof startCli> | undefined;
  const proxy = await startProxy(s.endpoint, (req, forward) => {
    if (req.method === 'PUT' && req.url?.includes('/manifest.json')) push?.child.kill('SIGKILL');
    else forward();
  });
  t.after(() => proxy.close());
  push = startCli(dir, ['push', 'p.yaml', '--cache-dir', a, '--remote', url], {
    ...s.env,
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
  });
  const killed = await push.done;
  assert.equal(killed.signal, 'SIGKILL', killed.stderr + killed.stdout);

  // Its blobs are there, its manifest is not.
  const store = await s.store(prefix);
  const data = await localManifest(a, 'load');
  for (const digest of Object.values(data.files))
    assert.ok(await store.exists(blobKey(data.fingerprint, digest.sha256)));
  assert.equal(await store.exists(manifestKey(data.fingerprint as Fingerprint)), false);

  const b = await freshCache();
  const status = await runCli(dir, ['status', 'p.yaml', '--cache-dir', b, '--remote', url], s.env);
  assert.doesNotMatch(status.stdout, /cached remotely/);
  const pull = await runCli(dir, ['pull', 'p.yaml', '--cache-dir', b, '--remote', url, '--only', 'data'], s.env);
  assert.equal(pull.code, 1);
  assert.match(pull.stdout, /^data +not on the remote$/m);
  assert.deepEqual(await readdir(b).then((names) => names.filter((n) => /^[0-9a-f]{64}$/.test(n))), []);
  const run = await runCli(dir, ['run', 'p.yaml', '--cache-dir', b, '--remote', url], s.env);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(stagesByAction(run.stdout).ran, ALL);
});

test('a remote that cannot be reached is one warning; the run computes everything and succeeds', async () => {
  const { dir } = await project();
  const env = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' };
  const run = await runCli(dir, ['run', 'p.yaml', '--cache-dir', await freshCache()], env);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.deepEqual(stagesByAction(run.stdout).ran, ALL);
  const warnings = run.stderr.split('\n').filter((line) => line.startsWith('tfpipe: warning:'));
  assert.equal(warnings.length, 1, run.stderr);
  assert.match(
    warnings[0],
    /could not pull stage data: s3:\/\/tfpipe-test\/t\d+-\d+: could not download .*without the remote/,
  );
});

test('a bad remote URL or endpoint is a one-line usage error naming where it came from', async () => {
  const { dir } = await project(false);
  const flag = await runCli(dir, ['run', 'p.yaml', '--remote', 's3://UPPER/x']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^tfpipe: --remote: "UPPER" is not an S3 bucket name/m);
  const endpoint = await runCli(dir, ['status', 'p.yaml', '--remote', 's3://ok-bucket'], {
    AWS_ENDPOINT_URL_S3: 'nope',
  });
  assert.equal(endpoint.code, 2);
  assert.match(endpoint.stderr, /^tfpipe: AWS_ENDPOINT_URL_S3=nope is not a URL/m);
  await writeFile(join(dir, 'p.yaml'), `remote: https://x\n${STAGES}`);
  const key = await runCli(dir, ['validate', 'p.yaml']);
  assert.equal(key.code, 2);
  assert.match(key.stderr, /remote/);
});
