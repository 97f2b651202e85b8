// The tiny GPT-2 reference checkpoint (read from HF_REFERENCE, never copied) as fake Hub repos, and throwaway caches.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HF_REFERENCE } from '../../helpers/context.ts';
import type { FakeHub, FakeRepo } from './fake-hub.ts';

export const TINY_DIR = join(HF_REFERENCE, 'tiny-gpt2');
export const TINY_FILES = ['config.json', 'generation_config.json', 'model.safetensors'];

/** A commit id for a fake repo: any 40-hex string the server and client agree on. */
export const fakeCommit = (label: string): string => createHash('sha1').update(label).digest('hex');

export async function tinyRepo(label: string, files: readonly string[] = TINY_FILES): Promise<FakeRepo> {
  const entries = await Promise.all(files.map(async (name) => [name, await readFile(join(TINY_DIR, name))] as const));
  return { commit: fakeCommit(label), files: Object.fromEntries(entries) };
}

const made: string[] = [];

export async function makeHubCache(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-hub-'));
  made.push(dir);
  return dir;
}

export async function removeHubCaches(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export function hubEnv(hub: FakeHub, cache: string, extra: Record<string, string> = {}): Record<string, string> {
  return { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, ...extra };
}

/** Requests for LFS bytes (the CDN path), in order. */
export const cdnGets = (hub: FakeHub) => hub.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/cdn/'));
