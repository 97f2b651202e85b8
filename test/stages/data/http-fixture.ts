// A file server on 127.0.0.1 for download tests: serves fixed bytes per path, honours `Range: bytes=N-` (206),
// and can misbehave on purpose: cut a response off after some bytes, or ignore Range and answer 200.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  body: Buffer;
  /** Drop the connection after this many body bytes, for the first `cutTimes` responses (default 1). */
  cutAfter?: number;
  cutTimes?: number;
  ignoreRange?: boolean;
}

export interface RequestRecord {
  path: string;
  range: string | undefined;
  status: number;
}

export interface FileServer {
  url: string;
  requests: RequestRecord[];
  files: Map<string, ServedFile>;
  close(): Promise<void>;
}

export async function startFileServer(files: Record<string, ServedFile>): Promise<FileServer> {
  const table = new Map(Object.entries(files));
  const requests: RequestRecord[] = [];
  const cuts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = table.get(path);
    const range = req.headers.range;
    if (!file) {
      requests.push({ path, range, status: 404 });
      res.writeHead(404).end('not found');
      return;
    }
    const match = /^bytes=(\d+)-$/.exec(range ?? '');
    const start = match && !file.ignoreRange ? Number(match[1]) : 0;
    const total = file.body.length;
    if (start >= total && match && !file.ignoreRange) {
      requests.push({ path, range, status: 416 });
      res.writeHead(416, { 'content-range': `bytes */${total}` }).end();
      return;
    }
    const status = start > 0 ? 206 : 200;
    requests.push({ path, range, status });
    const headers: Record<string, string | number> = {
      'content-length': total - start,
      'content-type': 'application/octet-stream',
    };
    if (status === 206) headers['content-range'] = `bytes ${start}-${total - 1}/${total}`;
    res.writeHead(status, headers);
    const cutsSoFar = cuts.get(path) ?? 0;
    if (file.cutAfter !== undefined && cutsSoFar < (file.cutTimes ?? 1)) {
      cuts.set(path, cutsSoFar + 1);
      // Close a moment after the bytes went out: a client errors its body stream on close and drops chunks it
      // has not read yet, so an immediate close would make the number of bytes that reach its disk a race.
      res.write(file.body.subarray(start, start + file.cutAfter), () => setTimeout(() => res.socket?.destroy(), 100));
      return;
    }
    res.end(file.body.subarray(start));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    files: table,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
