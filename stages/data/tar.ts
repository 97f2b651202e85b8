// A small streaming tar reader (ustar, with GNU long names and pax `path` records), enough for dataset archives.
// Layout: 512-byte header blocks, each followed by the entry's data padded to a multiple of 512; two zero blocks end it.
// Header fields used (offset, length): name (0,100) size (124,12, octal or base-256) chksum (148,8) typeflag (156,1)
// magic (257,6) prefix (345,155).

export interface TarEntry {
  /** Path inside the archive, e.g. "aclImdb/train/pos/0_9.txt". */
  name: string;
  /** '0' regular file, '5' directory, ... ('\0' is normalised to '0'). */
  type: string;
  size: number;
}

const BLOCK = 512;

/**
 * Walks the tar stream `chunks` (already gunzipped). For each regular file, `want(entry)` says whether to read
 * it; wanted files are handed to `onFile` whole. Other entries are skipped without copying.
 */
export async function walkTar(
  chunks: AsyncIterable<Uint8Array>,
  want: (entry: TarEntry) => boolean,
  onFile: (entry: TarEntry, data: Buffer) => void,
): Promise<void> {
  const reader = new TarReader(want, onFile);
  for await (const chunk of chunks) reader.push(chunk);
  reader.finish();
}

class TarReader {
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private entry: TarEntry | null = null;
  /** Data bytes of the current entry still to come, then its padding. */
  private remaining = 0;
  private padding = 0;
  private parts: Buffer[] | null = null;
  private meta: 'longname' | 'pax' | null = null;
  private nextName: string | null = null;
  private ended = false;
  private offset = 0;

  constructor(
    private readonly want: (entry: TarEntry) => boolean,
    private readonly onFile: (entry: TarEntry, data: Buffer) => void,
  ) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && !this.ended) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        this.parts?.push(Buffer.from(chunk.subarray(at, at + take)));
        this.remaining -= take;
        at += take;
        if (this.remaining === 0) this.finishEntry();
      } else if (this.padding > 0) {
        const take = Math.min(this.padding, chunk.length - at);
        this.padding -= take;
        at += take;
      } else {
        const take = Math.min(BLOCK - this.headerFill, chunk.length - at);
        this.header.set(chunk.subarray(at, at + take), this.headerFill);
        this.headerFill += take;
        at += take;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.readHeader();
        }
      }
    }
    this.offset += chunk.length;
  }

  finish(): void {
    if (this.remaining > 0 || this.padding > 0 || this.headerFill > 0)
      throw new Error(`tar archive is truncated (${this.offset} bytes)`);
  }

  private readHeader(): void {
    const h = this.header;
    if (h[0] === 0 && h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    const expected = parseOctal(h.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (sum !== expected) throw new Error(`not a tar archive: bad header checksum near byte ${this.offset}`);
    const type = h[156] === 0 ? '0' : String.fromCharCode(h[156]);
    const size = parseSize(h.subarray(124, 136));
    let name = cString(h.subarray(0, 100));
    const prefix = h.subarray(257, 262).toString('latin1') === 'ustar' ? cString(h.subarray(345, 500)) : '';
    if (prefix) name = `${prefix}/${name}`;
    if (this.nextName !== null && type !== 'L' && type !== 'x') {
      name = this.nextName;
      this.nextName = null;
    }
    const entry: TarEntry = { name, type, size };
    this.meta = type === 'L' ? 'longname' : type === 'x' ? 'pax' : null;
    this.parts = this.meta !== null || ((type === '0' || type === '7') && this.want(entry)) ? [] : null;
    this.entry = entry;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.finishEntry();
  }

  private finishEntry(): void {
    const parts = this.parts;
    const entry = this.entry!;
    this.parts = null;
    if (!parts) return;
    const data = Buffer.concat(parts);
    if (this.meta === 'longname') this.nextName = cString(data);
    else if (this.meta === 'pax') this.nextName = paxPath(data) ?? this.nextName;
    else this.onFile(entry, data);
    this.meta = null;
  }
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end < 0 ? bytes.length : end)).toString('utf8');
}

function parseOctal(bytes: Uint8Array): number {
  const text = Buffer.from(bytes)
    .toString('latin1')
    .replace(/[\0 ]+$/g, '')
    .trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** Size field: octal text, or GNU base-256 (high bit of the first byte set) for files of 8 GiB and more. */
function parseSize(bytes: Uint8Array): number {
  if (bytes[0] & 0x80) {
    let value = bytes[0] & 0x7f;
    for (let i = 1; i < bytes.length; i++) value = value * 256 + bytes[i];
    return value;
  }
  return parseOctal(bytes);
}

/** The `path` record of a pax extended header ("<len> path=<value>\n" records). */
function paxPath(data: Buffer): string | null {
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = parseInt(data.subarray(at, space).toString('latin1'), 10);
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') return record.slice(eq + 1);
    at += length;
  }
  return null;
}
