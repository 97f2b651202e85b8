// `extends: base.yaml`: a pipeline file deep-merged over its base (objects key by key; arrays and scalars
// replaced by the child). Locations follow the values: each comes from the file that supplied it.
import { dirname, isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { childPointer, locate, replaceLocations, type LocationMap } from './locations.ts';
import { parseSpecFile, type Located, type ParsedFile } from './parse.ts';

interface ChainLink {
  absPath: string;
  displayPath: string;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses `absPath` and, recursively, the bases it extends; returns the merged value without `extends`.
 * `fatal` when the result is not worth validating (a syntax error, a missing base, an extends loop).
 */
export async function loadExtended(displayPath: string, absPath: string, chain: ChainLink[] = []): Promise<ParsedFile> {
  const file = await parseSpecFile(displayPath, absPath);
  if (file.fatal || !isPlainObject(file.value) || !('extends' in file.value)) return file;
  const { extends: basePath, ...own } = file.value;
  const child = { value: own, locs: withoutPointer(file.locs, '/extends') };
  const at = locate(file.locs, '/extends');
  const problems = [...file.problems];
  if (typeof basePath !== 'string' || basePath === '') {
    problems.push({
      code: 'wrong-type',
      message: `\`extends\` must be the path of a base pipeline file, got ${JSON.stringify(basePath)}`,
      location: at,
    });
    return { ...child, problems, fatal: file.fatal };
  }

  const link = { absPath, displayPath };
  const baseAbs = resolve(dirname(absPath), basePath);
  const seen = [...chain, link];
  const loopStart = seen.findIndex((l) => l.absPath === baseAbs);
  if (loopStart >= 0) {
    const top = dirname(seen[0].absPath);
    const names = [...seen.slice(loopStart), seen[loopStart]].map((l) => relative(top, l.absPath) || l.absPath);
    problems.push({
      code: 'extends-loop',
      message: `extends loop: ${names.join(' -> ')}`,
      location: at,
      hint: 'remove one of these `extends`',
    });
    return { ...child, problems, fatal: true };
  }

  const baseDisplay = isAbsolute(basePath) ? basePath : normalize(join(dirname(displayPath), basePath));
  const base = await loadExtended(baseDisplay, baseAbs, seen);
  if (base.problems.some((p) => p.code === 'file-not-found')) {
    problems.push({
      code: 'extends-missing',
      message: `base pipeline \`${basePath}\` not found (looked for ${baseAbs})`,
      location: at,
    });
    return { ...child, problems, fatal: true };
  }
  // A base that cannot be read (a FIFO, a folder) says so at the `extends` that names it.
  problems.push(...base.problems.map((p) => (p.location ? p : { ...p, location: at })));
  if (base.fatal) return { ...child, problems, fatal: true };
  if (!isPlainObject(base.value)) {
    problems.push({
      code: 'wrong-type',
      message: `base pipeline \`${basePath}\` must be a mapping of keys (name, stages, ...)`,
      location: at,
    });
    return { ...child, problems, fatal: true };
  }
  return { ...mergeLocated({ value: base.value, locs: base.locs }, child), problems, fatal: false };
}

/** Deep merge of two mappings: objects merged key by key, anything else replaced by the child's value. */
export function mergeLocated(
  base: Located & { value: Record<string, unknown> },
  child: Located & { value: Record<string, unknown> },
): Located {
  const value = structuredClone(base.value);
  const locs: LocationMap = new Map(base.locs);
  const rootLoc = child.locs.get('');
  if (rootLoc) locs.set('', rootLoc);
  mergeInto(value, locs, child.value, child.locs, '');
  return { value, locs };
}

function mergeInto(
  target: Record<string, unknown>,
  targetLocs: LocationMap,
  source: Record<string, unknown>,
  sourceLocs: LocationMap,
  pointer: string,
): void {
  for (const [key, sourceValue] of Object.entries(source)) {
    const path = childPointer(pointer, key);
    const targetValue = target[key];
    if (isPlainObject(targetValue) && isPlainObject(sourceValue)) {
      const loc = sourceLocs.get(path);
      if (loc) targetLocs.set(path, loc);
      mergeInto(targetValue, targetLocs, sourceValue, sourceLocs, path);
    } else {
      target[key] = structuredClone(sourceValue);
      replaceLocations(targetLocs, path, sourceLocs);
    }
  }
}

function withoutPointer(locs: LocationMap, pointer: string): LocationMap {
  const out: LocationMap = new Map(locs);
  replaceLocations(out, pointer, new Map());
  return out;
}
