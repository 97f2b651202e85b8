// For the `tfpipe export --web` tests: a static file server on 127.0.0.1 (node:http, a few lines: the folder must
// work from any static server) and headless Chromium (Debian's, through playwright-core) with no network: every
// host but 127.0.0.1 resolves to nothing, there is no proxy, and any request elsewhere is aborted and recorded.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from './chromium.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};

export interface StaticServer {
  origin: string;
  /** Paths asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function serveFolder(dir: string): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = join(dir, normalize(path === '/' ? '/index.html' : path));
    readFile(file).then(
      (body) => {
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface OfflineBrowser {
  browser: Browser;
  page: Page;
  /** Requests to anywhere but 127.0.0.1 (aborted). */
  blocked: string[];
  /** The page's console errors and uncaught exceptions. */
  errors: string[];
}

/** `extraArgs`: more Chromium flags (e.g. a software WebGPU adapter). */
export async function openOffline(url: string, extraArgs: string[] = []): Promise<OfflineBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--no-proxy-server',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--disable-background-networking',
      '--disable-component-update',
      ...extraArgs,
    ],
  });
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const request = new URL(route.request().url());
    if (request.hostname === '127.0.0.1') return route.continue();
    blocked.push(request.href);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  return { browser, page, blocked, errors };
}
