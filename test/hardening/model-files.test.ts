// Hostile model folders (issue 13): a real checkpoint (the tiny reference GPT-2) with one thing broken — its
// safetensors header's offsets, dtypes, shapes or length, its config.json, its shard index — and folders that hold
// the wrong thing. Each probe's message names the file (and the tensor, where one is at fault) and carries no stack
// trace; nothing is allocated. The probes a user meets through a pipeline's `base:` run through the CLI too, with
// their exit code: 1 for a stage that fails on its model, 2 for a spec refused at validate.
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../models/backend/select.ts';
import { loadGpt2 } from '../../models/gpt2/load.ts';
import { readLoraConfig } from '../../models/lora/io.ts';
import { TINY_GPT2 } from '../models/gpt2/fixtures.ts';
import { writeRawSafetensors } from '../helpers/safetensors-raw.ts';
import { makeProject, runCli } from '../cli/helpers.ts';
import { STACK_FRAME } from './helpers.ts';

/** The folders the probes make, removed after the tests. */
const made: string[] = [];
async function probeDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-probe-'));
  made.push(dir);
  return dir;
}
after(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

type Header = Record<
  string,
  { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
>;
type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };

/** The reference checkpoint's header (as an object) and its data buffer. */
async function referenceParts(): Promise<{ header: Header; data: Uint8Array }> {
  const bytes = await readFile(join(TINY_GPT2, 'model.safetensors'));
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { header: JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Header, data: bytes.subarray(8 + n) };
}

/** The tensor names in data order (by begin offset). */
const inOrder = (header: Header) =>
  Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .sort((a, b) => (a[1] as Entry).data_offsets[0] - (b[1] as Entry).data_offsets[0])
    .map(([k]) => k);

/** A folder with the reference config.json and a model.safetensors of the reference data under an edited header. */
async function tamperedFolder(
  edit: (header: Header, names: string[]) => string | void,
  options: { declaredLength?: bigint; cut?: number; trailing?: Uint8Array | number } = {},
): Promise<string> {
  const { header, data } = await referenceParts();
  const dir = await probeDir();
  await copyFile(join(TINY_GPT2, 'config.json'), join(dir, 'config.json'));
  const text = edit(header, inOrder(header)) ?? JSON.stringify(header);
  const payload = options.cut ? data.subarray(0, data.byteLength - options.cut) : data;
  await writeRawSafetensors(
    join(dir, 'model.safetensors'),
    text,
    [{ name: 'data', dtype: 'U8', shape: [payload.byteLength], data: payload }],
    options,
  );
  return dir;
}

/** A folder with the reference weights and `config` (text) as config.json. */
async function withConfig(config: string, weights = true): Promise<string> {
  const dir = await probeDir();
  await writeFile(join(dir, 'config.json'), config);
  if (weights) await copyFile(join(TINY_GPT2, 'model.safetensors'), join(dir, 'model.safetensors'));
  return dir;
}

const referenceConfig = async (edit: Record<string, unknown>) =>
  JSON.stringify({ ...JSON.parse(await readFile(join(TINY_GPT2, 'config.json'), 'utf8')), ...edit });

/** A sharded copy of the reference: shard files and an index whose weight_map `edit` may change. */
async function shardedFolder(
  edit: (weightMap: Record<string, string>) => void = () => {},
  indexText?: string,
): Promise<string> {
  const dir = await probeDir();
  await copyFile(join(TINY_GPT2, 'config.json'), join(dir, 'config.json'));
  await copyFile(join(TINY_GPT2, 'model.safetensors'), join(dir, 'model-00001-of-00001.safetensors'));
  const { header } = await referenceParts();
  const weightMap = Object.fromEntries(inOrder(header).map((n) => [n, 'model-00001-of-00001.safetensors']));
  edit(weightMap);
  await writeFile(
    join(dir, 'model.safetensors.index.json'),
    indexText ?? JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2),
  );
  return dir;
}

interface Probe {
  name: string;
  folder: () => Promise<string>;
  /** The message, given the folder; it must also contain the file it names. */
  expect: (dir: string) => RegExp;
  /** The file the message must name (relative to the folder; '' for the folder). */
  names: string;
}

const probes: Probe[] = [
  {
    name: 'negative data_offsets',
    folder: () => tamperedFolder((h, names) => void ((h[names[1]] as Entry).data_offsets[0] = -8)),
    expect: () => /tensor transformer\.\S+: data_offsets must be two non-negative integers \[begin, end\], found \[-8,/,
    names: 'model.safetensors',
  },
  {
    name: 'overlapping data_offsets',
    folder: () =>
      tamperedFolder(
        (h, names) =>
          void ((h[names[2]] as Entry).data_offsets = (h[names[2]] as Entry).data_offsets.map((o) => o - 4) as [
            number,
            number,
          ]),
      ),
    expect: () => /tensor transformer\.\S+: data_offsets \[\d+, \d+\] overlaps the tensor before it/,
    names: 'model.safetensors',
  },
  {
    name: 'fractional data_offsets',
    folder: () => tamperedFolder((h, names) => void ((h[names[1]] as Entry).data_offsets[0] += 0.5)),
    expect: () => /tensor transformer\.\S+: data_offsets must be two non-negative integers/,
    names: 'model.safetensors',
  },
  {
    name: 'out-of-order (reversed) data_offsets',
    folder: () => tamperedFolder((h, names) => void (h[names[3]] as Entry).data_offsets.reverse()),
    expect: () => /tensor transformer\.\S+: data_offsets \[\d+, \d+\] end before they begin/,
    names: 'model.safetensors',
  },
  {
    name: 'a header length beyond the file',
    folder: () => tamperedFolder(() => undefined, { declaredLength: 10n ** 7n }),
    expect: () => /header length 10000000 runs past the end of the \d+-byte file/,
    names: 'model.safetensors',
  },
  {
    name: 'a huge header length (2^63)',
    folder: () => tamperedFolder(() => undefined, { declaredLength: 2n ** 63n }),
    expect: () => /header length 9223372036854775808 is over the format's limit of 100000000 bytes/,
    names: 'model.safetensors',
  },
  {
    name: 'an unknown dtype',
    folder: () => tamperedFolder((h) => void ((h['transformer.wpe.weight'] as Entry).dtype = 'F12')),
    expect: () => /tensor transformer\.wpe\.weight: unknown dtype 'F12'/,
    names: 'model.safetensors',
  },
  {
    name: 'a shape that disagrees with its offsets',
    folder: () => tamperedFolder((h) => void ((h['transformer.wpe.weight'] as Entry).shape[1] += 1)),
    expect: () =>
      /tensor transformer\.wpe\.weight: data_offsets \[\d+, \d+\] hold \d+ bytes, but F32 \[\d+, \d+\] needs \d+/,
    names: 'model.safetensors',
  },
  {
    name: 'a truncated data buffer',
    folder: () => tamperedFolder(() => undefined, { cut: 100 }),
    expect: () =>
      /tensor transformer\.\S+: data ends at byte \d+, past the end of the \d+-byte file; the file is truncated/,
    names: 'model.safetensors',
  },
  {
    // The 1.9 GB file whose payload is a few MB (here 6.2 MiB of weights, then a 1.9 GB hole): refused from
    // its header, as the reference refuses it, without reading the rest.
    name: '1.9 GB of trailing bytes after the weights',
    folder: () => tamperedFolder(() => undefined, { trailing: 1_900_000_000 }),
    expect: () => /1900000000 bytes follow the last tensor's data/,
    names: 'model.safetensors',
  },
  {
    name: 'a malformed JSON header',
    folder: () => tamperedFolder((h) => JSON.stringify(h).replace('"dtype":"F32"', '"dtype":F32')),
    expect: () => /model\.safetensors \(header\): malformed JSON at line 1, column \d+ \(byte \d+\)/,
    names: 'model.safetensors',
  },
  {
    name: 'an integer dtype for a weight',
    folder: () => tamperedFolder((h) => void ((h['transformer.ln_f.bias'] as Entry).dtype = 'I32')),
    expect: () => /key transformer\.ln_f\.bias: dtype I32, expected floats/,
    names: 'model.safetensors',
  },
  {
    name: 'a malformed config.json',
    folder: () => withConfig('{\n  "model_type": "gpt2",\n  "n_layer": 2,,\n}\n'),
    expect: () => /config\.json: malformed JSON at line 3, column 16 \(byte 41\)/,
    names: 'config.json',
  },
  {
    name: 'n_layer 1000000 in config.json',
    folder: async () => withConfig(await referenceConfig({ n_layer: 1_000_000 })),
    expect: () => /config\.json: n_layer is 1000000, above tfpipe's limit of 256 for a GPT-2/,
    names: 'config.json',
  },
  {
    name: 'a config.json too large for memory (no weights needed to refuse it)',
    folder: async () => withConfig(await referenceConfig({ n_layer: 256, n_embd: 32768, n_head: 64 }), false),
    expect: () =>
      /config\.json: a GPT-2 of n_layer 256, n_embd 32768, vocab_size 50257, for inference, needs 12\.\d TiB .* but [\d.]+ [KMG]iB is available/,
    names: 'config.json',
  },
  {
    name: 'pytorch_model.bin only',
    folder: async () => {
      const dir = await withConfig(await readFile(join(TINY_GPT2, 'config.json'), 'utf8'), false);
      await writeFile(join(dir, 'pytorch_model.bin'), 'not read');
      return dir;
    },
    expect: () =>
      /found pytorch_model\.bin but no model\.safetensors\. tfpipe reads safetensors; convert with python -c/,
    names: '',
  },
  {
    name: 'a malformed shard index',
    folder: () =>
      shardedFolder(undefined, '{"weight_map": {"transformer.wte.weight": "model-00001-of-00001.safetensors"'),
    expect: () => /model\.safetensors\.index\.json: malformed JSON at line 1, column \d+/,
    names: 'model.safetensors.index.json',
  },
  {
    name: 'a shard outside the folder',
    folder: () => shardedFolder((m) => void (m['transformer.wte.weight'] = '../model.safetensors')),
    expect: () =>
      /model\.safetensors\.index\.json: weight_map\.transformer\.wte\.weight must name a shard file in the same folder, found "\.\.\/model\.safetensors"/,
    names: 'model.safetensors.index.json',
  },
  {
    name: 'a missing shard',
    folder: () => shardedFolder((m) => void (m['transformer.wte.weight'] = 'model-00002-of-00002.safetensors')),
    expect: () =>
      /model\.safetensors\.index\.json: the weight_map names model-00002-of-00002\.safetensors \(for transformer\.wte\.weight\), which is not in/,
    names: 'model.safetensors.index.json',
  },
  {
    name: 'a weight_map entry its shard lacks',
    folder: () => shardedFolder((m) => void (m['transformer.h.9.ln_1.weight'] = 'model-00001-of-00001.safetensors')),
    expect: () =>
      /model\.safetensors\.index\.json: the weight_map puts tensor transformer\.h\.9\.ln_1\.weight in model-00001-of-00001\.safetensors, which has no such tensor/,
    names: 'model.safetensors.index.json',
  },
  {
    name: 'model.safetensors linked to /dev/zero',
    folder: async () => {
      const dir = await withConfig(await readFile(join(TINY_GPT2, 'config.json'), 'utf8'), false);
      await symlink('/dev/zero', join(dir, 'model.safetensors'));
      return dir;
    },
    expect: () => /model\.safetensors: not a regular file/,
    names: 'model.safetensors',
  },
  {
    // Opening a FIFO for reading waits for a writer: the reader refuses it from stat, before any open.
    name: 'model.safetensors that is a FIFO',
    folder: async () => {
      const dir = await withConfig(await readFile(join(TINY_GPT2, 'config.json'), 'utf8'), false);
      execFileSync('mkfifo', [join(dir, 'model.safetensors')]);
      return dir;
    },
    expect: () => /model\.safetensors: not a regular file/,
    names: 'model.safetensors',
  },
  {
    name: 'model.safetensors that is a folder',
    folder: async () => {
      const dir = await withConfig(await readFile(join(TINY_GPT2, 'config.json'), 'utf8'), false);
      await mkdir(join(dir, 'model.safetensors'));
      return dir;
    },
    expect: () => /model\.safetensors: not a regular file/,
    names: 'model.safetensors',
  },
];

describe('hostile model folders, loaded', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  for (const probe of probes) {
    it(`${probe.name}: refused, naming ${probe.names || 'the folder'}`, async () => {
      const dir = await probe.folder();
      const tensorsBefore = tf.memory().numTensors;
      await assert.rejects(loadGpt2(dir), (error: Error) => {
        assert.match(error.message, probe.expect(dir));
        assert.ok(
          error.message.includes(join(dir, probe.names).replace(/\/$/, '')),
          `names ${join(dir, probe.names)}: ${error.message}`,
        );
        assert.doesNotMatch(error.message, STACK_FRAME);
        return true;
      });
      assert.equal(tf.memory().numTensors, tensorsBefore, 'nothing allocated, nothing left behind');
    });
  }

  it('a malformed adapter_config.json: refused, naming it', async () => {
    const dir = await probeDir();
    await writeFile(join(dir, 'adapter_config.json'), '{"r": 8, "lora_alpha": }');
    await assert.rejects(
      readLoraConfig(dir),
      new RegExp(`^Error: ${join(dir, 'adapter_config.json')}: malformed JSON at line 1, column 24 \\(byte 23\\)`),
    );
  });
});

describe('hostile model folders, through a pipeline (tfpipe run)', () => {
  const GENERATE = (base: string) =>
    `name: probe\nbackend: cpu\nstages:\n  gen:\n    kind: generate\n    base: ${base}\n    prompts: ["Hello"]\n    max_new_tokens: 2\n`;
  const throughCli = [
    'pytorch_model.bin only',
    'negative data_offsets',
    'a malformed config.json',
    'n_layer 1000000 in config.json',
    'a malformed shard index',
  ];
  for (const name of throughCli) {
    const probe = probes.find((p) => p.name === name)!;
    it(`${name}: the stage fails with the message, exit 1, no stack trace`, async () => {
      const dir = await probe.folder();
      const project = await makeProject({ 'p.yaml': GENERATE(dir) });
      made.push(project);
      const run = await runCli(project, ['run', 'p.yaml']);
      const output = run.stdout + run.stderr;
      assert.equal(run.code, 1, output);
      assert.match(output, probe.expect(dir));
      assert.match(output, /gen \(generate\): failed — /);
      assert.doesNotMatch(output, /input file not found/);
      assert.doesNotMatch(output, STACK_FRAME);
    });
  }

  it('an adapter folder as base with a malformed adapter_config.json: the stage fails naming it, exit 1', async () => {
    const dir = await probeDir();
    await writeFile(join(dir, 'adapter_config.json'), `{"base_model_name_or_path": ${JSON.stringify(TINY_GPT2)},}`);
    const project = await makeProject({ 'p.yaml': GENERATE(dir) });
    made.push(project);
    const run = await runCli(project, ['run', 'p.yaml']);
    const output = run.stdout + run.stderr;
    assert.equal(run.code, 1, output);
    assert.match(
      output,
      new RegExp(
        `gen \\(generate\\): failed — ${join(dir, 'adapter_config.json')}: malformed JSON at line 1, column \\d+`,
      ),
    );
    assert.doesNotMatch(output, STACK_FRAME);
  });

  it('an adapter folder with adapter_model.bin only: the stage says to re-save it, not that a file is missing, exit 1', async () => {
    const dir = await probeDir();
    await writeFile(
      join(dir, 'adapter_config.json'),
      JSON.stringify({ base_model_name_or_path: TINY_GPT2, r: 2, target_modules: ['c_attn'] }),
    );
    await writeFile(join(dir, 'adapter_model.bin'), 'not read');
    const project = await makeProject({ 'p.yaml': GENERATE(dir) });
    made.push(project);
    const run = await runCli(project, ['run', 'p.yaml']);
    const output = run.stdout + run.stderr;
    assert.equal(run.code, 1, output);
    assert.match(
      output,
      /no adapter_model\.safetensors \(found adapter_model\.bin; tfpipe reads safetensors: re-save with save_pretrained/,
    );
    assert.doesNotMatch(output, /input file not found/);
    assert.doesNotMatch(output, STACK_FRAME);
  });

  it('`init` with n_layer 1000000: refused at validate, located at file:line:col, exit 2', async () => {
    const project = await makeProject({ 'p.yaml': GENERATE('{init: {n_layer: 1000000, n_head: 2, n_embd: 8}}') });
    made.push(project);
    const run = await runCli(project, ['validate', 'p.yaml']);
    const output = run.stdout + run.stderr;
    assert.equal(run.code, 2, output);
    assert.match(output, /p\.yaml:6:28: `base\.init\.n_layer` must be <= 256, got number 1000000/);
    assert.doesNotMatch(output, STACK_FRAME);
  });

  it('an `init` within the bounds but too large for memory: the stage fails with both figures, exit 1', async () => {
    const project = await makeProject({ 'p.yaml': GENERATE('{init: {n_layer: 256, n_head: 64, n_embd: 32768}}') });
    made.push(project);
    const run = await runCli(project, ['run', 'p.yaml']);
    const output = run.stdout + run.stderr;
    assert.equal(run.code, 1, output);
    assert.match(
      output,
      /base `init`: a GPT-2 of n_layer 256, n_embd 32768, vocab_size 50257, for inference, needs 12\.\d TiB \(3\.3T parameters × 4 bytes \(weights\)\), but [\d.]+ [KMG]iB is available \(/,
    );
    assert.doesNotMatch(output, STACK_FRAME);
  });
});
