// Who made a temp dir or lock file, written into its name so a later run can tell litter of a dead process
// from work in progress without opening anything:
//   <base>.<host>.<pid>.<nonce>[<suffix>]     e.g. 3f2a….lap-7.41234.9c1e0b7a.tmp
// A process counts as dead only when it ran on this host and process.kill(pid, 0) says ESRCH; a name from
// another host (a cache on a shared disk) is never judged dead, since its pid means nothing here.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** This host's name reduced to [A-Za-z0-9-] so it can sit between dots in a file name. */
export const HOST_TAG: string =
  hostname()
    .replace(/[^A-Za-z0-9-]/g, '-')
    .slice(0, 40) || 'host';

export interface NameOwner {
  host: string;
  pid: number;
}

export function ownedName(base: string, suffix = '', pid: number = process.pid): string {
  return `${base}.${HOST_TAG}.${pid}.${randomBytes(4).toString('hex')}${suffix}`;
}

const OWNED = /\.([A-Za-z0-9-]+)\.(\d+)\.([0-9a-f]{8})(\.[A-Za-z]+)?$/;

export function parseOwnedName(name: string): NameOwner | undefined {
  const match = OWNED.exec(name);
  return match ? { host: match[1], pid: Number(match[2]) } : undefined;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** True only when we can tell for certain: same host, no such process. */
export function isOwnerDead(owner: NameOwner): boolean {
  return owner.host === HOST_TAG && !isProcessAlive(owner.pid);
}
