// The WebGPU adapter probe, remembered per machine in the cache root, so that resolving `auto` on a rerun costs a
// few stat calls instead of loading Dawn and starting a GPU driver (~0.2-1 s). The record is keyed by what could
// change the answer: Dawn's version, Node's, the host, and the installed GPU drivers (Vulkan ICD manifests with
// their mtimes, the NVIDIA kernel driver's version, VK_* overrides). Anything else: delete
// <cache>/machine/webgpu-adapter.json, or name the backend.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AdapterProbe } from './probe.ts';
import { dawnVersion } from './navigator-shim.ts';

export interface ProbeCacheOptions {
  cacheRoot: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Write the record after probing (`tfpipe run`); read-only commands (status, diff) only read it. */
  remember?: boolean;
  /** Injected by tests; default: probeIsolated (Dawn in a child process, its warnings kept off the terminal). */
  probe?: () => Promise<AdapterProbe>;
}

export interface CachedProbe {
  probe: AdapterProbe;
  /** True when the answer came from the record, without loading Dawn. */
  fromCache: boolean;
}

const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

function listDrivers(): string[] {
  const out: string[] = [];
  for (const dir of ICD_DIRS) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        out.push(`${path}@${statSync(path).mtimeMs}`);
      } catch {
        out.push(path);
      }
    }
  }
  try {
    out.push(readFileSync('/proc/driver/nvidia/version', 'utf8').split('\n')[0]);
  } catch {
    // no NVIDIA kernel driver
  }
  return out;
}

/** What the record is valid for, hashed. Cheap: a few readdir/stat calls. */
export function machineKey(env: ProbeCacheOptions['env']): string {
  const parts = {
    dawn: dawnVersion() ?? null,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    host: hostname(),
    drivers: listDrivers(),
    env: ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES'].map((k) => env[k] ?? null),
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function probeRecordPath(cacheRoot: string): string {
  return join(cacheRoot, 'machine', 'webgpu-adapter.json');
}

export async function cachedWebGpuProbe(options: ProbeCacheOptions): Promise<CachedProbe> {
  const path = probeRecordPath(options.cacheRoot);
  const key = machineKey(options.env);
  try {
    const record = JSON.parse(await readFile(path, 'utf8')) as { key?: string; probe?: AdapterProbe };
    if (record.key === key && record.probe && typeof record.probe.found === 'boolean')
      return { probe: record.probe, fromCache: true };
  } catch {
    // no record, or unreadable: probe
  }
  const probe = await (
    options.probe ?? (async () => (await import('./probe-isolated.ts')).probeIsolated(options.env))
  )();
  if (!options.remember) return { probe, fromCache: false };
  try {
    await mkdir(join(options.cacheRoot, 'machine'), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ key, probe, probedAt: new Date().toISOString() }, null, 2) + '\n');
    await rename(tmp, path);
  } catch {
    // a read-only cache only costs the next run another probe
  }
  return { probe, fromCache: false };
}
