// A package registry on 127.0.0.1 that knows exactly the packages of package-lock.json, so that `npm install` of
// the packed tarball resolves tfpipe's dependencies with no network: npm asks it for each package's metadata (the
// registry protocol's packument), and takes the tarballs from its own cache, which `npm ci` filled. The tarball
// URLs are the ones `npm ci` used: the machine's configured registry, npm's standard layout.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

interface LockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  bin?: unknown;
  engines?: unknown;
  os?: string[];
  cpu?: string[];
}

export interface PackumentServer {
  url: string;
  /** Package names asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startPackumentServer(lockFile: string, tarballRegistry: string): Promise<PackumentServer> {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, LockEntry> };
  const registry = tarballRegistry.replace(/\/+$/, '');
  const docs = new Map<
    string,
    { name: string; versions: Record<string, unknown>; 'dist-tags': Record<string, string> }
  >();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const doc = docs.get(name) ?? { name, versions: {}, 'dist-tags': {} };
    const { dependencies, optionalDependencies, peerDependencies, peerDependenciesMeta, bin, engines, os, cpu } = entry;
    const tarball = entry.resolved ?? `${registry}/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    doc.versions[entry.version] = {
      name,
      version: entry.version,
      dependencies,
      optionalDependencies,
      peerDependencies,
      peerDependenciesMeta,
      bin,
      engines,
      os,
      cpu,
      dist: { tarball, integrity: entry.integrity },
    };
    doc['dist-tags'].latest = entry.version;
    docs.set(name, doc);
  }
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    requests.push(name);
    const doc = docs.get(name);
    res.writeHead(doc ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
