// An S3-compatible server for the tests: s3rver (an npm package) in this process, on 127.0.0.1 at a free port, with
// its objects in a fresh temp folder and one bucket. Where it cannot start, startS3Server says why, and the tests
// that need it skip with that line (never pass silently). A pass-through proxy in front of it lets a test watch,
// hold or cut requests (a push killed mid-way, two pushes forced to race).
import { after, before, type TestContext } from 'node:test';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { openS3Store } from '../../../runner/cache/remote/s3-store.ts';
import type { ObjectStore } from '../../../runner/cache/remote/object-store.ts';

export const BUCKET = 'tfpipe-test';

// The SDK warns once per process that its releases from 2027 need Node 22; the tests' output is no place for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export interface S3Server {
  endpoint: string;
  /** What a child `tfpipe` needs to reach it: endpoint and (s3rver's fixed) credentials. */
  env: Record<string, string>;
  /** The store at s3://tfpipe-test/<prefix>, as tfpipe opens it. */
  store(prefix: string, endpoint?: string): Promise<ObjectStore>;
  close(): Promise<void>;
}

export type Started = { ok: true; server: S3Server } | { ok: false; reason: string };

/**
 * One server for a test file, started in `before` and closed in `after`. The function it returns gives a test the
 * server, or skips that test printing why there is none.
 */
export function useS3Server(): (t: TestContext) => S3Server | undefined {
  let server: S3Server | undefined;
  let unavailable = '';
  before(async () => {
    const started = await startS3Server();
    if (started.ok) server = started.server;
    else unavailable = started.reason;
  });
  after(async () => server?.close());
  return (t) => {
    if (!server) {
      console.log(`# ${unavailable}`);
      t.skip(unavailable);
    }
    return server;
  };
}

export async function startS3Server(): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-s3-'));
  let instance: { run(): Promise<{ port: number }>; close(): Promise<void> };
  let port: number;
  try {
    const { default: S3rver } = await import('s3rver');
    instance = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory: dir,
      silent: true,
      configureBuckets: [{ name: BUCKET }],
    });
    port = (await instance.run()).port;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    return { ok: false, reason: `the S3 test server (s3rver) could not start: ${(error as Error).message}` };
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return {
    ok: true,
    server: {
      endpoint,
      env,
      store: (prefix, at = endpoint) =>
        openS3Store({
          location: { bucket: BUCKET, prefix },
          endpoint: { url: at, from: 'test' },
          env: { ...env, AWS_ENDPOINT_URL_S3: at },
        }),
      close: async () => {
        await instance.close();
        await rm(dir, { recursive: true, force: true });
      },
    },
  };
}

/** What the proxy does with one request: forward it now, or hold it (forwarded or dropped by the test later). */
export type ProxyHook = (req: IncomingMessage, forward: () => void) => void;

/** A proxy on 127.0.0.1 that hands every request to `hook`; `endpoint` is where it listens. */
export async function startProxy(target: string, hook: ProxyHook): Promise<{ endpoint: string; close(): void }> {
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const forward = () => {
      const upstream = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    hook(req, forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/**
 * Puts an object and waits until the server reads it back whole: s3rver answers a PUT of a small body before its
 * file is written out (real S3 never shows a partial object), so a GET right after could see a prefix of it.
 */
export async function putSettled(store: ObjectStore, key: string, bytes: Buffer): Promise<void> {
  await store.put(key, bytes, bytes.length);
  for (;;) {
    const body = await store.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body ?? []) chunks.push(Buffer.from(chunk));
    if (Buffer.concat(chunks).equals(bytes)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
