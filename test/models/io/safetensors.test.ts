// The safetensors reader: the header checked by the format's rules, tensors read by offset and only when asked,
// the same checks on bytes in memory; and malformed JSON named by file, line and column.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openSafetensors,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
} from '../../../models/io/safetensors.ts';
import { MAX_HEADER_BYTES } from '../../../models/io/safetensors-header.ts';
import { findJsonFault, parseJsonText } from '../../../models/io/json-file.ts';
import { f32Bytes, headerFor, writeRawSafetensors, type RawTensor } from '../../helpers/safetensors-raw.ts';
import { TINY_GPT2 } from '../gpt2/fixtures.ts';

const tmp = () => mkdtemp(join(tmpdir(), 'tfpipe-st-'));

describe('openSafetensors', () => {
  it('reads the header first and each tensor only when asked, by offset', async () => {
    const path = join(await tmp(), 'a.safetensors');
    const a = { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    const b = { shape: [4], data: new Int32Array([-1, 0, 7, 2 ** 31 - 1]) };
    await writeSafetensors(path, { a, b }, { format: 'pt' });
    const reader = await openSafetensors(path);
    try {
      const { size } = await stat(path);
      const dataBytes = a.data.byteLength + b.data.byteLength;
      assert.equal(reader.bytesRead, size - dataBytes, 'the length and the header, no tensor data');
      assert.deepEqual([...reader.entries.keys()], ['a', 'b']);
      assert.deepEqual(reader.metadata, { format: 'pt' });
      assert.deepEqual(await reader.read('b'), b);
      assert.equal(reader.bytesRead, size - a.data.byteLength, 'b read, a not');
      assert.deepEqual(await reader.read('a'), a);
      await assert.rejects(reader.read('c'), new RegExp(`${path}: no tensor c`));
    } finally {
      await reader.close();
    }
  });

  it('reads the reference checkpoint as the in-memory parser does, tensor for tensor', async () => {
    const path = join(TINY_GPT2, 'model.safetensors');
    const fromFile = await readSafetensors(path);
    const fromBytes = parseSafetensors(await readFile(path), path);
    assert.deepEqual([...fromFile.tensors.keys()], [...fromBytes.tensors.keys()]);
    for (const [name, array] of fromBytes.tensors) assert.deepEqual(fromFile.tensors.get(name), array, name);
    assert.deepEqual(fromFile.metadata, fromBytes.metadata);
  });

  it('decodes F16, BF16 and I64, accepts zero-size tensors, and refuses a known but unread dtype only when read', async () => {
    const half = new Uint8Array([0x00, 0x3c, 0x00, 0xc0]); // 1, -2
    const bf16 = new Uint8Array([0x80, 0x3f, 0x40, 0xc0]); // 1, -3
    const i64 = new Uint8Array(16);
    new DataView(i64.buffer).setBigInt64(0, -5n, true);
    new DataView(i64.buffer).setBigInt64(8, 9n, true);
    const tensors: RawTensor[] = [
      { name: 'half', dtype: 'F16', shape: [2], data: half },
      { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Uint8Array(0) },
      { name: 'brain', dtype: 'BF16', shape: [2], data: bf16 },
      { name: 'long', dtype: 'I64', shape: [2], data: i64 },
      { name: 'bytes', dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
    ];
    const path = join(await tmp(), 'dtypes.safetensors');
    await writeRawSafetensors(path, headerFor(tensors), tensors);
    const reader = await openSafetensors(path);
    try {
      assert.deepEqual((await reader.read('half')).data, new Float32Array([1, -2]));
      assert.deepEqual((await reader.read('brain')).data, new Float32Array([1, -3]));
      assert.deepEqual((await reader.read('long')).data, new Int32Array([-5, 9]));
      assert.deepEqual(await reader.read('empty'), { shape: [0, 3], data: new Float32Array(0) });
      await assert.rejects(reader.read('bytes'), new RegExp(`${path}: tensor bytes: dtype U8 is not supported`));
    } finally {
      await reader.close();
    }
  });

  // Each rule of the format, broken once; the message names the file and (for a tensor's fault) the tensor.
  const x = f32Bytes([1, 2]);
  const y = f32Bytes([3]);
  const rules: [string, string, RegExp, { declaredLength?: bigint; trailing?: Uint8Array }?][] = [
    [
      'negative offset',
      '{"x":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
      /tensor x: data_offsets must be two non-negative integers/,
    ],
    [
      'fractional offset',
      '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8.5,12]}}',
      /tensor x: data_offsets must be two non-negative integers/,
    ],
    [
      'end before begin',
      '{"x":{"dtype":"F32","shape":[2],"data_offsets":[8,0]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
      /tensor x: data_offsets \[8, 0\] end before they begin/,
    ],
    [
      'overlap',
      '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
      /tensor y: data_offsets \[4, 8\] overlaps the tensor before it/,
    ],
    [
      'gap',
      '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
      /tensor y: data_offsets \[8, 12\] leaves a gap/,
    ],
    [
      'first tensor not at 0',
      '{"x":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
      /tensor x: data_offsets \[4, 12\] leaves a gap .*start at 0/,
    ],
    [
      'shape and offsets disagree',
      '{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
      /tensor x: data_offsets \[0, 8\] hold 8 bytes, but F32 \[3\] needs 12/,
    ],
    [
      'unknown dtype',
      '{"x":{"dtype":"F33","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
      /tensor x: unknown dtype 'F33'/,
    ],
    [
      'negative shape',
      '{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
      /tensor x: shape must be a list of non-negative integers/,
    ],
    [
      'data past the end',
      '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}',
      /tensor y: data ends at byte \d+, past the end/,
    ],
    [
      'trailing bytes',
      '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
      /4 bytes follow the last tensor's data/,
      { trailing: new Uint8Array(4) },
    ],
    [
      'malformed JSON',
      '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},}',
      /\(header\): malformed JSON at line 1, column 109 \(byte 108\): Expected double-quoted property name/,
    ],
    ['not an object', '["x"]', /the header does not start with '\{'/],
    [
      '__metadata__ not strings',
      '{"__metadata__":{"n":1},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
      /__metadata__\.n must be a string/,
    ],
    [
      'header length past the end',
      '{}',
      /header length 4096 runs past the end of the \d+-byte file/,
      { declaredLength: 4096n },
    ],
    [
      'header length over the limit',
      '{}',
      new RegExp(`header length 18446744073709551615 is over the format's limit of ${MAX_HEADER_BYTES}`),
      { declaredLength: 2n ** 64n - 1n },
    ],
  ];
  for (const [rule, header, expected, options] of rules) {
    it(`refuses a file with ${rule}, naming it`, async () => {
      const path = join(await tmp(), 'bad.safetensors');
      await writeRawSafetensors(
        path,
        header,
        [
          { name: 'x', dtype: 'F32', shape: [2], data: x },
          { name: 'y', dtype: 'F32', shape: [1], data: y },
        ],
        options,
      );
      await assert.rejects(openSafetensors(path), (error: Error) => {
        assert.ok(error.message.startsWith(`${path}`), error.message);
        assert.match(error.message, expected);
        return true;
      });
      const bytes = await readFile(path);
      assert.throws(() => parseSafetensors(bytes, path), expected, 'the in-memory parser applies the same rules');
    });
  }

  it('writes tensor by tensor the bytes serializeSafetensors makes, data 8-byte aligned even after a non-ASCII name', async () => {
    const tensors = {
      wé: { shape: [3], data: new Float32Array([1, -2, 3.5]) },
      ids: { shape: [2], data: new Int32Array([7, -9]) },
    };
    const path = join(await tmp(), 'w.safetensors');
    await writeSafetensors(path, tensors, { format: 'pt' });
    const bytes = await readFile(path);
    assert.deepEqual(new Uint8Array(bytes), serializeSafetensors(tensors, { format: 'pt' }));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + headerLength) % 8, 0);
    const back = await readSafetensors(path);
    assert.deepEqual(back.tensors.get('wé'), tensors['wé']);
    assert.deepEqual(back.tensors.get('ids'), tensors.ids);
  });

  it('writes what it reads back: serializeSafetensors output passes every check', () => {
    const bytes = serializeSafetensors({
      w: { shape: [3], data: new Float32Array([1, 2, 3]) },
      z: { shape: [0], data: new Float32Array(0) },
    });
    const file = parseSafetensors(bytes, 'memory');
    assert.deepEqual(file.tensors.get('w')!.data, new Float32Array([1, 2, 3]));
    assert.deepEqual(file.tensors.get('z')!.shape, [0]);
  });
});

describe('parseJsonText', () => {
  it('names the file, the line and the column of the first fault', () => {
    assert.throws(
      () => parseJsonText('{\n  "a": 1,\n  "b": }\n', '/m/config.json'),
      /^Error: \/m\/config\.json: malformed JSON at line 3, column 8 \(byte 19\): Unexpected token '\}'$/,
    );
    assert.throws(
      () => parseJsonText('{"a": [1, 2', 'x.json'),
      /x\.json: malformed JSON at line 1, column 12 \(byte 11\): Expected ',' or '\]' after array element/,
    );
    assert.throws(() => parseJsonText('{"a": 1} x', 'x.json'), /x\.json: malformed JSON at line 1, column 10/);
  });

  it('finds the fault JSON.parse reports without a position', () => {
    for (const [text, at] of [
      ['{"a": tru }', 9],
      ['[1, 2,]', 6],
      ['{"a" 1}', 5],
      ['"\\x"', 2],
      ['{"a": NaN}', 6],
      ['01', 1],
    ] as const) {
      assert.throws(() => JSON.parse(text));
      assert.equal(findJsonFault(text), at, text);
    }
    assert.equal(findJsonFault('{"a": [1, {"b": null}], "c": "\\u00e9"}'), null, 'valid JSON has no fault');
  });
});
