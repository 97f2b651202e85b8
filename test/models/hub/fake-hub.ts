// A local stand-in for the Hugging Face Hub on 127.0.0.1 (random port), answering the way the Hub does:
//   /{repo}/resolve/{main|commit}/{file}
//     small files  200 (HEAD: headers only) with X-Repo-Commit, ETag "<git blob sha1>", Content-Length
//     LFS files    302 → /cdn/{sha256} (absolute Location by default, relative on request, or another origin),
//                  with X-Repo-Commit, X-Linked-Etag "<sha256>", X-Linked-Size; its own ETag is something else
//     missing      404 X-Error-Code: EntryNotFound (with X-Repo-Commit); unknown revision: RevisionNotFound;
//                  unknown repo: 401 RepoNotFound (what the Hub answers without a token)
//     renamed repo 307 with a relative Location to the new id (as for gpt2 → openai-community/gpt2)
//   /cdn/{sha256}  the bytes, with Range support (206 + Content-Range)
// Faults, each used once: drop the connection after N bytes, stall after N bytes until the client goes away,
// serve corrupted bytes, ignore Range. Every request is recorded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface FakeRepo {
  commit: string;
  files: Record<string, Buffer>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

export interface FakeHubOptions {
  repos: Record<string, FakeRepo>;
  /** Old id → new id, answered with a relative 307. */
  renamed?: Record<string, string>;
  /** Where LFS files redirect: 'absolute' (this server, full URL), 'relative' (/cdn/…), or another origin. */
  lfsRedirect?: 'absolute' | 'relative' | { origin: string };
}

export interface Faults {
  /** Next LFS GET: send this many bytes, then destroy the socket. */
  dropAfter?: number;
  /** Next LFS GET: send this many bytes, then hold the connection open until the client leaves. */
  stallAfter?: number;
  /** Next LFS GET: flip one byte of what is served. */
  corrupt?: boolean;
  /** Next LFS GET: answer 200 with the whole file whatever Range asks (servers may). */
  ignoreRange?: boolean;
}

export interface FakeHub {
  endpoint: string;
  requests: RecordedRequest[];
  faults: Faults;
  close(): Promise<void>;
}

const isLfs = (filename: string): boolean => /\.(safetensors|bin)$/.test(filename);
export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const gitBlobSha1 = (bytes: Buffer): string =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const blobs = new Map<string, Buffer>();
  for (const repo of Object.values(options.repos)) {
    for (const [name, bytes] of Object.entries(repo.files)) if (isLfs(name)) blobs.set(sha256Hex(bytes), bytes);
  }
  const hub: FakeHub = { endpoint: '', requests: [], faults: {}, close: async () => {} };
  const server: Server = createServer((req, res) => {
    hub.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      range: req.headers.range,
      authorization: req.headers.authorization,
    });
    const path = decodeURI(new URL(req.url ?? '/', 'http://x').pathname);
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdn) return serveBlob(req, res, blobs.get(cdn[1]), hub.faults);
    const resolve = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (!resolve) return end(res, 404, {});
    const [, repoId, revision, filename] = resolve;
    const renamedTo = options.renamed?.[repoId];
    if (renamedTo)
      return end(res, 307, { location: `/${renamedTo}/resolve/${encodeURIComponent(revision)}/${filename}` });
    const repo = options.repos[repoId];
    if (!repo) return end(res, 401, { 'x-error-code': 'RepoNotFound' });
    if (revision !== 'main' && revision !== repo.commit) return end(res, 404, { 'x-error-code': 'RevisionNotFound' });
    const bytes = repo.files[filename];
    if (!bytes) return end(res, 404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': repo.commit });
    if (isLfs(filename)) {
      const sha = sha256Hex(bytes);
      const redirect = options.lfsRedirect ?? 'absolute';
      const base = redirect === 'relative' ? '' : redirect === 'absolute' ? hub.endpoint : redirect.origin;
      return end(res, 302, {
        location: `${base}/cdn/${sha}`,
        'x-repo-commit': repo.commit,
        'x-linked-etag': `"${sha}"`,
        'x-linked-size': String(bytes.length),
        etag: 'W/"redirect-page"',
      });
    }
    const headers = {
      'x-repo-commit': repo.commit,
      etag: `"${gitBlobSha1(bytes)}"`,
      'content-length': String(bytes.length),
    };
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  hub.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hub.close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return hub;
}

function serveBlob(req: IncomingMessage, res: ServerResponse, blob: Buffer | undefined, faults: Faults): void {
  if (!blob) return end(res, 404, {});
  const range = faults.ignoreRange ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (req.method === 'GET') faults.ignoreRange = false;
  const start = range ? Number(range[1]) : 0;
  if (start >= blob.length) return end(res, 416, { 'content-range': `bytes */${blob.length}` });
  const headers: Record<string, string> = {
    'accept-ranges': 'bytes',
    etag: `"${sha256Hex(blob)}"`,
    'content-length': String(blob.length - start),
  };
  if (range) headers['content-range'] = `bytes ${start}-${blob.length - 1}/${blob.length}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') return void res.end();
  let body = blob.subarray(start);
  if (faults.corrupt) {
    faults.corrupt = false;
    body = Buffer.from(body);
    body[body.length >> 1] ^= 0xff;
  }
  if (faults.dropAfter !== undefined) {
    const cut = faults.dropAfter;
    faults.dropAfter = undefined;
    res.write(body.subarray(0, cut), () => res.socket?.destroy());
    return;
  }
  if (faults.stallAfter !== undefined) {
    const cut = faults.stallAfter;
    faults.stallAfter = undefined;
    res.write(body.subarray(0, cut));
    req.on('close', () => res.destroy());
    return;
  }
  res.end(body);
}

function end(res: ServerResponse, status: number, headers: Record<string, string>): void {
  res.writeHead(status, headers);
  res.end();
}
