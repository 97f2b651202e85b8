// tfpipe's own version, read once from package.json. Only major.minor enters fingerprints: a patch release
// fixes bugs without changing outputs, a minor release may change them and so starts a fresh cache.
import { readFileSync } from 'node:fs';

export const TFPIPE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const TFPIPE_MAJOR_MINOR: string = majorMinor(TFPIPE_VERSION);

/** '1.4.2' → '1.4'; '0.1.0-beta.3' → '0.1'. */
export function majorMinor(version: string): string {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) throw new Error(`package.json version \`${version}\` is not semver (expected major.minor.patch)`);
  return `${match[1]}.${match[2]}`;
}
