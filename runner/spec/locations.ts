// Where each value of a config came from. Paths are JSON pointers, as ajv's `instancePath` writes them
// ('' = root, '/stages/vocab/min_freq', '/stages/load/labels/0'), so schema errors map straight to a location.
import { isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { SourceLocation } from './types.ts';

/** A node's place in a file: the key that names it (map entries only) and the value itself. */
export interface NodeLocation {
  key?: SourceLocation;
  value: SourceLocation;
}

export type LocationMap = Map<string, NodeLocation>;

/** Pointer segments escape '~' and '/' (RFC 6901). */
export function childPointer(parent: string, segment: string | number): string {
  return `${parent}/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function isUnder(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(ancestor + '/');
}

/**
 * Where to point for the value at `pointer`: its own location, else its nearest located ancestor's (values that
 * came whole from a var have no locations inside). `prefer: 'key'` points at the key naming it when there is one.
 */
export function locate(
  locs: LocationMap,
  pointer: string,
  prefer: 'key' | 'value' = 'value',
): SourceLocation | undefined {
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const loc = locs.get(p);
    if (loc) return prefer === 'key' ? (loc.key ?? loc.value) : loc.value;
    if (p === '') return undefined;
  }
}

/** Replaces everything located at or under `pointer` by what `source` locates there. */
export function replaceLocations(target: LocationMap, pointer: string, source: LocationMap): void {
  for (const p of [...target.keys()]) if (isUnder(p, pointer)) target.delete(p);
  for (const [p, loc] of source) if (isUnder(p, pointer)) target.set(p, loc);
}

/** A location in `file` at a character offset, via the parser's line counter. */
export function makeLocator(
  file: string,
  lines: string[],
  lineCounter: LineCounter,
): (offset: number) => SourceLocation {
  return (offset) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col, lineText: lines[line - 1] ?? '' };
  };
}

/** Called for a key seen twice in one map: the parent map's pointer, the key, where it first was and is again. */
export type DuplicateKeyHandler = (parent: string, key: string, first: SourceLocation, again: SourceLocation) => void;

/**
 * Walks a parsed YAML node and records the location of every map entry and sequence item beneath `pointer`.
 * A repeated key keeps the later location (as toJS keeps the later value) and is reported to `onDuplicate`.
 */
export function collectLocations(
  node: Node | null,
  pointer: string,
  at: (offset: number) => SourceLocation,
  locs: LocationMap,
  onDuplicate: DuplicateKeyHandler = () => {},
): void {
  if (isMap(node)) {
    const seen = new Map<string, SourceLocation>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const path = childPointer(pointer, key);
      const keyLoc = keyNode?.range ? at(keyNode.range[0]) : undefined;
      const first = seen.get(key);
      if (first && keyLoc) onDuplicate(pointer, key, first, keyLoc);
      if (keyLoc && !first) seen.set(key, keyLoc);
      const valueNode = pair.value as Node | null;
      // `key:` with nothing after it: point at the key rather than at the end of the line.
      const empty = !valueNode || (isScalar(valueNode) && valueNode.source === '' && valueNode.value === null);
      const valueLoc = !empty && valueNode?.range ? at(valueNode.range[0]) : keyLoc;
      if (valueLoc) locs.set(path, { key: keyLoc, value: valueLoc });
      collectLocations(valueNode, path, at, locs, onDuplicate);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const itemNode = item as Node | null;
      const path = childPointer(pointer, i);
      if (itemNode?.range) locs.set(path, { value: at(itemNode.range[0]) });
      collectLocations(itemNode, path, at, locs, onDuplicate);
    });
  }
}
