// Where an entry lives on a remote cache, under its prefix:
//   <fp>/blobs/<sha256>     one object per distinct file content of the entry's out/ folder
//   <fp>/manifest.json      the entry's manifest (file names → sha256, size), uploaded last
// Blobs are named by their content, not by file name, so two machines pushing the same fingerprint at once can
// never overwrite each other's files with different bytes: whichever manifest lands last names blobs that are all
// there and all its own. A manifest is the entry's commit mark: no manifest, no entry (a killed push is a miss).
// A file name from a remote manifest never becomes a key (only its sha256 does), and where it becomes a local
// path it is checked here first.
import type { Fingerprint } from '../../../stages/stage.ts';

const HEX64 = /^[0-9a-f]{64}$/;

export function manifestKey(fp: Fingerprint): string {
  return `${checkHex(fp)}/manifest.json`;
}

export function blobKey(fp: Fingerprint, sha256: string): string {
  return `${checkHex(fp)}/blobs/${checkHex(sha256)}`;
}

function checkHex(value: string): string {
  if (!HEX64.test(value)) throw new Error(`not 64 hex digits: ${JSON.stringify(value)}`);
  return value;
}

/**
 * Why a manifest's file name (relative to out/, '/'-separated) is not a safe relative path, or undefined when it
 * is: no absolute path, no empty, '.' or '..' part, no backslash or NUL.
 */
export function unsafeFileName(name: string): string | undefined {
  if (name === '' || name.startsWith('/')) return 'an absolute or empty path';
  if (/[\\\0]/.test(name)) return 'a backslash or NUL';
  if (name.split('/').some((part) => part === '' || part === '.' || part === '..')) return "an empty, '.' or '..' part";
  return undefined;
}

export function isSha256(value: string): boolean {
  return HEX64.test(value);
}
