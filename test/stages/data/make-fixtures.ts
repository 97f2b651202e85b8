// Small archives made by the tests themselves: a ustar writer (the reader's counterpart) and gzip.
import { gzipSync } from 'node:zlib';

const BLOCK = 512;

/** A ustar archive of regular files (names up to 100 bytes), ended by two zero blocks. */
export function buildTar(files: { name: string; data: Uint8Array | string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const data = typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : Buffer.from(file.data);
    const header = Buffer.alloc(BLOCK);
    const name = Buffer.from(file.name, 'utf8');
    if (name.length > 100) throw new Error(`buildTar: name longer than 100 bytes: ${file.name}`);
    name.copy(header, 0);
    header.write('0000644\0', 100, 'latin1');
    header.write('0000000\0', 108, 'latin1');
    header.write('0000000\0', 116, 'latin1');
    header.write(data.length.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
    header.write('00000000000\0', 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write('0', 156, 'latin1');
    header.write('ustar\0' + '00', 257, 'latin1');
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    blocks.push(header, data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

export function buildTarGz(files: { name: string; data: Uint8Array | string }[]): Buffer {
  return gzipSync(buildTar(files), { level: 1 });
}
