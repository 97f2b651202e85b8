import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadFile } from '../../../stages/data/download.ts';
import { startFileServer } from './http-fixture.ts';

const BODY = randomBytes(200_000);
const SHA = createHash('sha256').update(BODY).digest('hex');

async function tempDest(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'tfpipe-dl-')), 'downloads', 'file.bin');
}

test('download: fetches, checks sha256, reports bytes, then reuses the file', async () => {
  const server = await startFileServer({ '/f': { body: BODY } });
  try {
    const dest = await tempDest();
    const progress: [number, number | undefined][] = [];
    const first = await downloadFile({
      url: `${server.url}/f`,
      dest,
      sha256: SHA,
      onProgress: (d, t) => progress.push([d, t]),
    });
    assert.deepEqual(
      { fetched: first.fetched, bytes: first.bytes, sha: first.sha256, resumed: first.resumedFrom },
      { fetched: true, bytes: BODY.length, sha: SHA, resumed: 0 },
    );
    assert.deepEqual(await readFile(dest), BODY);
    assert.deepEqual(progress.at(-1), [BODY.length, BODY.length]);
    assert.ok(!existsSync(`${dest}.part`));
    const again = await downloadFile({ url: `${server.url}/f`, dest, sha256: SHA });
    assert.equal(again.fetched, false);
    assert.equal(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

test('download: a dropped connection is resumed with a Range request', async () => {
  const server = await startFileServer({ '/f': { body: BODY, cutAfter: 70_000 } });
  try {
    const dest = await tempDest();
    const outcome = await downloadFile({ url: `${server.url}/f`, dest, sha256: SHA });
    assert.deepEqual(await readFile(dest), BODY);
    assert.equal(server.requests.length, 2);
    assert.equal(server.requests[0].range, undefined);
    assert.equal(server.requests[1].status, 206);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(server.requests[1].range ?? '')?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= 70_000, `resumed at ${resumedAt}`);
    assert.equal(outcome.resumedFrom, 0, 'nothing was on disk when the call started');
  } finally {
    await server.close();
  }
});

test('download: a .part left by an earlier run is resumed, not restarted', async () => {
  const server = await startFileServer({ '/f': { body: BODY } });
  try {
    const dest = await tempDest();
    await mkdir(join(dest, '..'), { recursive: true });
    await writeFile(`${dest}.part`, BODY.subarray(0, 123_456));
    const outcome = await downloadFile({ url: `${server.url}/f`, dest, sha256: SHA });
    assert.equal(outcome.resumedFrom, 123_456);
    assert.deepEqual(
      server.requests.map((r) => [r.range, r.status]),
      [['bytes=123456-', 206]],
    );
    assert.deepEqual(await readFile(dest), BODY);
  } finally {
    await server.close();
  }
});

test('download: a server that ignores Range restarts the part', async () => {
  const server = await startFileServer({ '/f': { body: BODY, ignoreRange: true } });
  try {
    const dest = await tempDest();
    await mkdir(join(dest, '..'), { recursive: true });
    await writeFile(`${dest}.part`, Buffer.from('stale bytes from somewhere else'));
    await downloadFile({ url: `${server.url}/f`, dest, sha256: SHA });
    assert.deepEqual(await readFile(dest), BODY);
    assert.equal(server.requests[0].status, 200);
  } finally {
    await server.close();
  }
});

test('download: a sha256 mismatch fails and removes the part; HTTP errors name the status', async () => {
  const server = await startFileServer({ '/f': { body: BODY } });
  try {
    const dest = await tempDest();
    await assert.rejects(
      downloadFile({ url: `${server.url}/f`, dest, sha256: '0'.repeat(64) }),
      /sha256 is [0-9a-f]{64}, expected 0{64}; the partial file was removed/,
    );
    assert.ok(!existsSync(dest) && !existsSync(`${dest}.part`));
    await assert.rejects(downloadFile({ url: `${server.url}/missing`, dest }), /HTTP 404/);
  } finally {
    await server.close();
  }
});

test('download: abort stops promptly and keeps the part for the next run', async () => {
  const server = await startFileServer({ '/f': { body: BODY } });
  try {
    const dest = await tempDest();
    const controller = new AbortController();
    const aborted = downloadFile({
      url: `${server.url}/f`,
      dest,
      sha256: SHA,
      signal: controller.signal,
      onProgress: (done) => {
        if (done > 0) controller.abort(new Error('stop requested'));
      },
    });
    await assert.rejects(aborted, /stop requested/);
    assert.ok(!existsSync(dest));
  } finally {
    await server.close();
  }
});
