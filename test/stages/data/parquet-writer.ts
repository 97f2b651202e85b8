// A minimal parquet writer for tests (hyparquet only reads): one row group, one uncompressed PLAIN data page per
// column, REQUIRED BYTE_ARRAY (UTF8) columns. Layout: "PAR1" · column chunks · FileMetaData (thrift compact) ·
// its length (u32 LE) · "PAR1".

type Field = [id: number, type: number, value: unknown];
const I32 = 5,
  I64 = 6,
  BINARY = 8,
  LIST = 9,
  STRUCT = 12;

class CompactWriter {
  bytes: number[] = [];
  varint(n: bigint): void {
    let v = n;
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }
  zigzag(n: number): void {
    const v = BigInt(n);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  value(type: number, value: unknown): void {
    if (type === I32 || type === I64) this.zigzag(value as number);
    else if (type === BINARY) {
      const data = Buffer.from(value as string, 'utf8');
      this.varint(BigInt(data.length));
      this.bytes.push(...data);
    } else if (type === STRUCT) this.struct(value as Field[]);
    else if (type === LIST) {
      const [elemType, items] = value as [number, unknown[]];
      if (items.length < 15) this.bytes.push((items.length << 4) | elemType);
      else {
        this.bytes.push(0xf0 | elemType);
        this.varint(BigInt(items.length));
      }
      for (const item of items) this.value(elemType, item);
    }
  }
  struct(fields: Field[]): void {
    let last = 0;
    for (const [id, type, value] of fields) {
      if (id - last > 0 && id - last <= 15) this.bytes.push(((id - last) << 4) | type);
      else {
        this.bytes.push(type);
        this.zigzag(id);
      }
      last = id;
      this.value(type, value);
    }
    this.bytes.push(0);
  }
}

function compact(fields: Field[]): Buffer {
  const writer = new CompactWriter();
  writer.struct(fields);
  return Buffer.from(writer.bytes);
}

export function buildParquet(columns: { name: string; values: string[] }[]): Buffer {
  const rows = columns[0].values.length;
  const parts: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const chunks: Field[][] = [];
  for (const column of columns) {
    const values = Buffer.concat(
      column.values.flatMap((v) => {
        const data = Buffer.from(v, 'utf8');
        const length = Buffer.alloc(4);
        length.writeUInt32LE(data.length);
        return [length, data];
      }),
    );
    const header = compact([
      [1, I32, 0], // type DATA_PAGE
      [2, I32, values.length],
      [3, I32, values.length],
      [
        5,
        STRUCT,
        [
          [1, I32, rows],
          [2, I32, 0],
          [3, I32, 3],
          [4, I32, 3],
        ],
      ], // PLAIN values, RLE levels
    ]);
    const size = header.length + values.length;
    chunks.push([
      [2, I64, offset],
      [
        3,
        STRUCT,
        [
          [1, I32, 6], // BYTE_ARRAY
          [2, LIST, [I32, [0]]],
          [3, LIST, [BINARY, [column.name]]],
          [4, I32, 0], // UNCOMPRESSED
          [5, I64, rows],
          [6, I64, size],
          [7, I64, size],
          [9, I64, offset],
        ],
      ],
    ]);
    parts.push(header, values);
    offset += size;
  }
  const metadata = compact([
    [1, I32, 1],
    [
      2,
      LIST,
      [
        STRUCT,
        [
          [
            [4, BINARY, 'schema'],
            [5, I32, columns.length],
          ],
          ...columns.map((c): Field[] => [
            [1, I32, 6],
            [3, I32, 0],
            [4, BINARY, c.name],
            [6, I32, 0],
          ]),
        ],
      ],
    ],
    [3, I64, rows],
    [
      4,
      LIST,
      [
        STRUCT,
        [
          [
            [1, LIST, [STRUCT, chunks]],
            [2, I64, offset - 4],
            [3, I64, rows],
          ],
        ],
      ],
    ],
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(metadata.length);
  parts.push(metadata, length, Buffer.from('PAR1'));
  return Buffer.concat(parts);
}
