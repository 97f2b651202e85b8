// Who made a temp dir or lock file, written into its name so a later run can tell litter of a dead process
// from work in progress without opening anything:
//   <base>.<host>.<pid>.<nonce>[<suffix>]     e.g. 3f2a….lap-7.41234.9c1e0b7a.tmp
// The host is TFPIPE_HOST_ID when set, else the hostname: two processes on one machine given different ids behave
// as two hosts (the shared-cache tests do this), and a cluster whose nodes share a hostname gives each its own id.
// The id is read here, once, rather than handed in like other settings: it names the process, as process.pid does,
// and every ownedName() caller (atomic writes, checkpoints, the hub, run records) would otherwise carry it.
// A pid is judged only on its own host (process.kill(pid, 0) says ESRCH); a name from another host is judged by
// age alone (isOwnerGone), since its pid means nothing here.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** `id` reduced to [A-Za-z0-9-] (at most 40) so it can sit between dots in a file name; '' gives 'host'. */
export function hostTag(id: string): string {
  return id.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40) || 'host';
}

/** This process's host id: TFPIPE_HOST_ID if set and not empty, else the hostname. */
export const HOST_TAG: string = hostTag(process.env.TFPIPE_HOST_ID || hostname());

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

/**
 * The litter rule for anything named by owner: on this host, its process is dead; from another host, it has not
 * changed for more than `staleMs` (`ageMs`: now minus its mtime, both on the file system's clock, see fsNow()).
 */
export function isOwnerGone(owner: NameOwner, ageMs: number, staleMs: number): boolean {
  return owner.host === HOST_TAG ? !isProcessAlive(owner.pid) : ageMs > staleMs;
}
