import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { walkTar, type TarEntry } from '../../../stages/data/tar.ts';
import { buildTar } from './make-fixtures.ts';

async function* inChunks(bytes: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function collect(
  bytes: Buffer,
  chunk: number,
  want: (e: TarEntry) => boolean = () => true,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  await walkTar(inChunks(bytes, chunk), want, (entry, data) => files.set(entry.name, data.toString('utf8')));
  return files;
}

test('walkTar reads every wanted file whatever the chunk boundaries', async () => {
  const files = [
    { name: 'a/empty.txt', data: '' },
    { name: 'a/one-block.txt', data: 'x'.repeat(512) },
    { name: 'a/b/odd.txt', data: 'héllo, wörld\n'.repeat(77) },
    { name: 'skip/me.bin', data: 'y'.repeat(1500) },
  ];
  const tar = buildTar(files);
  for (const chunk of [1, 7, 511, 512, 513, 4096, tar.length]) {
    const got = await collect(tar, chunk, (e) => !e.name.startsWith('skip/'));
    assert.deepEqual([...got.keys()], ['a/empty.txt', 'a/one-block.txt', 'a/b/odd.txt'], `chunk ${chunk}`);
    assert.equal(got.get('a/b/odd.txt'), files[2].data);
    assert.equal(got.get('a/one-block.txt'), files[1].data);
  }
});

test('walkTar rejects a corrupt header and a truncated archive', async () => {
  const tar = buildTar([{ name: 'f.txt', data: 'abc' }]);
  const corrupt = Buffer.from(tar);
  corrupt[10] ^= 0xff;
  await assert.rejects(collect(corrupt, 4096), /bad header checksum/);
  await assert.rejects(collect(tar.subarray(0, 600), 4096), /truncated/);
  await assert.rejects(collect(tar.subarray(0, 513), 4096), /truncated/);
  await assert.rejects(collect(tar.subarray(0, 100), 4096), /truncated/);
});

test('walkTar reads GNU tar long names and pax paths', async (t) => {
  const probe = spawnSync('tar', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0 || !/GNU tar/.test(probe.stdout))
    return t.skip('GNU tar is not installed, so archives from it cannot be made here');
  const root = await mkdtemp(join(tmpdir(), 'tfpipe-tar-'));
  const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(70)}.txt`;
  await mkdir(join(root, 'src', long, '..'), { recursive: true });
  await writeFile(join(root, 'src', long), 'long name\n');
  await writeFile(join(root, 'src', 'short.txt'), 'short\n');
  for (const format of ['gnu', 'pax']) {
    const archive = join(root, `${format}.tar`);
    const made = spawnSync('tar', [`--format=${format}`, '-cf', archive, '-C', join(root, 'src'), long, 'short.txt']);
    assert.equal(made.status, 0, String(made.stderr));
    const got = await collect(await readFile(archive), 1000);
    assert.equal(got.get(long), 'long name\n', format);
    assert.equal(got.get('short.txt'), 'short\n', format);
  }
});
