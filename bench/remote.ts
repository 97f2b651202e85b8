// Benchmark: remote cache push and pull MB/s over loopback (an S3 server, s3rver, in this process on 127.0.0.1),
// against their peer measured in the same run: committing the same entry from a local folder (copy, then the
// store's verify-and-rename, which a pull also ends with). The entry is --mb MB of random bytes in --files files.
// usage: node --import tsx bench/remote.ts [--mb 32] [--files 4] [--runs 3]
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CacheStore, type CacheEntry } from '../runner/cache/store.ts';
import { fingerprintOf, type FingerprintTree } from '../runner/cache/fingerprint.ts';
import { openS3Store } from '../runner/cache/remote/s3-store.ts';
import { pushEntry } from '../runner/cache/remote/push.ts';
import { pullEntry } from '../runner/cache/remote/pull.ts';
import { manifestKey } from '../runner/cache/remote/layout.ts';
import type { ObjectStore } from '../runner/cache/remote/object-store.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const arg = (name: string, dflt: number) =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt;
const [mb, files, runs] = [arg('--mb', 32), arg('--files', 4), arg('--runs', 3)];
const BUCKET = 'tfpipe-bench';

const root = await mkdtemp(join(tmpdir(), 'tfpipe-bench-remote-'));
const { default: S3rver } = await import('s3rver');
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory: join(root, 's3'),
  silent: true,
  configureBuckets: [{ name: BUCKET }],
});
const { port } = await server.run();
const endpoint = `http://127.0.0.1:${port}`;
const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

// One entry of random (incompressible) bytes.
const source = new CacheStore(join(root, 'source'));
const tree = {
  kind: 'bench',
  params: { mb, files, nonce: randomBytes(8).toString('hex') },
} as unknown as FingerprintTree;
const fp = fingerprintOf(tree);
const entry: CacheEntry = await source.write(fp, tree, async (outDir) => {
  for (let i = 0; i < files; i++)
    await writeFile(join(outDir, `part-${i}.bin`), randomBytes(Math.round((mb * 1e6) / files)));
  return {};
});
const bytes = Object.values(entry.manifest.files).reduce((sum, f) => sum + f.size, 0);

const times = { push: [] as number[], pull: [] as number[], local: [] as number[] };
for (let run = 0; run < runs; run++) {
  const remote = await openS3Store({
    location: { bucket: BUCKET, prefix: `run-${run}` },
    endpoint: { url: endpoint, from: 'bench' },
    env,
  });
  let t0 = performance.now();
  const pushed = await pushEntry(remote, entry);
  times.push.push(performance.now() - t0);
  if (pushed.status !== 'pushed') throw new Error('push did not upload');
  await settled(remote, manifestKey(fp));

  const target = new CacheStore(join(root, `pulled-${run}`));
  t0 = performance.now();
  const pulled = await pullEntry(remote, target, fp, 'bench');
  times.pull.push(performance.now() - t0);
  if (pulled.status !== 'pulled') throw new Error(`pull: ${pulled.status}`);

  const local = new CacheStore(join(root, `local-${run}`));
  t0 = performance.now();
  const adopted = await local.adopt(fp, async (temp) => {
    for (const name of Object.keys(entry.manifest.files)) {
      await copyFile(join(entry.outDir, name), join(temp, 'out', name));
      const handle = await open(join(temp, 'out', name), 'r+'); // adopt() wants its files durable, as a pull's are
      await handle.sync();
      await handle.close();
    }
    await writeFile(join(temp, 'manifest.json'), `${JSON.stringify(entry.manifest, null, 2)}\n`);
  });
  times.local.push(performance.now() - t0);
  if (adopted.status !== 'adopted') throw new Error('local commit failed');
}
await server.close();
await rm(root, { recursive: true, force: true });

/** s3rver answers a small PUT before its file is complete (S3 itself never does): wait for the manifest to read whole. */
async function settled(remote: ObjectStore, key: string): Promise<void> {
  for (;;) {
    let text = '';
    for await (const chunk of (await remote.get(key)) ?? []) text += Buffer.from(chunk).toString();
    if (text.endsWith('}\n')) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (ms: number) => bytes / 1e6 / (ms / 1000);
const [push, pull, local] = [rate(median(times.push)), rate(median(times.pull)), rate(median(times.local))];
console.log(`entry: ${(bytes / 1e6).toFixed(1)} MB in ${files} files; median of ${runs} runs; loopback to s3rver`);
console.log(`push   ${push.toFixed(1).padStart(7)} MB/s   (${(push / local).toFixed(2)}× the local commit)`);
console.log(
  `pull   ${pull.toFixed(1).padStart(7)} MB/s   (${(pull / local).toFixed(2)}× the local commit; includes its verify)`,
);
console.log(`local  ${local.toFixed(1).padStart(7)} MB/s   (copy + verify + rename into a cache, the peer)`);
