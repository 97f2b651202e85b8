// An upgrade of TensorFlow.js must not reuse models the old kernels computed: every compute stage's fingerprint
// holds the versions of tfjs-core, the backend's package (and Dawn for webgpu). The upgrade is simulated for real:
// a copy of tfpipe's sources next to a node_modules whose @tensorflow/tfjs-core/package.json says a later version
// (every other file a link to the installed one), run as `node <copy>/bin/tfpipe.js`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/context.ts';
import { makeProject, runCli, stagesByAction } from './helpers.ts';
import { lab2TinyFiles, LAB2_TINY_PIPELINE } from './lab2-tiny-fixture.ts';
import { parse } from 'yaml';
import { loadStageKind } from '../../stages/registry.ts';
import { runtimeVersions } from '../../models/backend/runtime-versions.ts';

const requireHere = createRequire(import.meta.url);
const installedVersion = (name: string): string => (requireHere(`${name}/package.json`) as { version: string }).version;

/** The next minor version: 4.22.0 → 4.23.0. */
function bumped(version: string): string {
  const [major, minor] = version.split('.').map(Number);
  return `${major}.${minor + 1}.0`;
}

/** tfpipe's sources copied to a temp folder, with node_modules linked package by package except `bumpedPackage`. */
async function installWithBumpedTfjsCore(): Promise<{ cli: string; version: string }> {
  const root = await mkdtemp(join(tmpdir(), 'tfpipe-bumped-'));
  for (const part of ['bin', 'lib', 'runner', 'stages', 'models', 'schemas', 'package.json'])
    await cp(join(REPO_ROOT, part), join(root, part), { recursive: true });
  const modules = join(REPO_ROOT, 'node_modules');
  await mkdir(join(root, 'node_modules/@tensorflow/tfjs-core'), { recursive: true });
  for (const name of await readdir(modules)) {
    if (name !== '@tensorflow') await symlink(join(modules, name), join(root, 'node_modules', name));
  }
  for (const name of await readdir(join(modules, '@tensorflow'))) {
    if (name !== 'tfjs-core')
      await symlink(join(modules, '@tensorflow', name), join(root, 'node_modules/@tensorflow', name));
  }
  const core = join(modules, '@tensorflow/tfjs-core');
  for (const name of await readdir(core)) {
    if (name !== 'package.json')
      await symlink(join(core, name), join(root, 'node_modules/@tensorflow/tfjs-core', name));
  }
  const manifest = JSON.parse(await readFile(join(core, 'package.json'), 'utf8')) as { version: string };
  const version = bumped(manifest.version);
  await writeFile(
    join(root, 'node_modules/@tensorflow/tfjs-core/package.json'),
    JSON.stringify({ ...manifest, version }, null, 2),
  );
  return { cli: join(root, 'bin/tfpipe.js'), version };
}

/** The pipeline's stage ids, split by whether the stage kind does tensor maths (Stage.compute). */
async function stagesByCompute(pipelineText: string): Promise<{ compute: string[]; other: string[] }> {
  const stages = (parse(pipelineText) as { stages: Record<string, { kind: string }> }).stages;
  const compute: string[] = [];
  const other: string[] = [];
  for (const [id, { kind }] of Object.entries(stages)) ((await loadStageKind(kind)).compute ? compute : other).push(id);
  return { compute, other };
}

/** `tfpipe status --json` rows by stage id. */
async function statusRows(dir: string, command?: string[]): Promise<Map<string, { state: string; reasons: string[] }>> {
  const result = await runCli(dir, ['status', 'p.yaml', '--json'], {}, command);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  const { stages } = JSON.parse(result.stdout) as { stages: { stage: string; state: string; reasons: string[] }[] };
  return new Map(stages.map((s) => [s.stage, s]));
}

test('runtime versions: tfjs-core and the backend package for each backend, Dawn for webgpu, read from package.json', () => {
  const core = installedVersion('@tensorflow/tfjs-core');
  assert.deepEqual(runtimeVersions('cpu'), {
    'tfjs-core': core,
    'tfjs-backend-cpu': installedVersion('@tensorflow/tfjs-backend-cpu'),
  });
  assert.deepEqual(runtimeVersions('wasm'), {
    'tfjs-core': core,
    'tfjs-backend-wasm': installedVersion('@tensorflow/tfjs-backend-wasm'),
  });
  assert.deepEqual(runtimeVersions('webgpu'), {
    'tfjs-core': core,
    'tfjs-backend-webgpu': installedVersion('@tensorflow/tfjs-backend-webgpu'),
    webgpu: installedVersion('webgpu'),
  });
});

test('a tfjs-core upgrade makes every compute stage "will run", naming the versions; the others stay cached', async () => {
  const { compute, other } = await stagesByCompute(LAB2_TINY_PIPELINE);
  assert.ok(
    compute.length >= 4 && other.length >= 3,
    `the pipeline has both kinds of stage (compute: ${compute}, other: ${other})`,
  );
  const dir = await makeProject(lab2TinyFiles());
  const first = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(first.code, 0, first.stderr + first.stdout);

  const upgraded = await installWithBumpedTfjsCore();
  const installed = installedVersion('@tensorflow/tfjs-core');
  const upgrade = `runtime.tfjs-core: ${installed} → ${upgraded.version}`;
  const rows = await statusRows(dir, [process.execPath, upgraded.cli]);
  for (const id of compute) {
    const { state, reasons } = rows.get(id)!;
    assert.equal(state, 'will-run', id);
    assert.equal(reasons[0], upgrade, id); // its own change first; a stage after another compute stage adds 'upstream …'
    assert.ok(
      reasons.slice(1).every((r) => r.startsWith('upstream ')),
      `${id}: ${reasons}`,
    );
  }
  for (const id of other) {
    const row = rows.get(id)!;
    // a stage that only reads compute stages' outputs (compare) runs again because they do, not for the version
    if (row.state === 'cached') continue;
    assert.ok(
      row.reasons.every((r) => r.startsWith('upstream ')),
      `${id}: ${row.reasons}`,
    );
  }
  assert.ok(
    other.some((id) => rows.get(id)!.state === 'cached'),
    'the stages before the first compute stage stay cached',
  );

  // Running under the upgrade recomputes those stages into entries of their own: both installs then find theirs.
  const rerun = await runCli(dir, ['run', 'p.yaml'], {}, [process.execPath, upgraded.cli]);
  assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
  const ran = stagesByAction(rerun.stdout).ran;
  for (const id of compute) assert.ok(ran.includes(id), `${id} ran under the upgrade`);
  assert.ok([...(await statusRows(dir, [process.execPath, upgraded.cli])).values()].every((r) => r.state === 'cached'));
  assert.ok([...(await statusRows(dir)).values()].every((r) => r.state === 'cached'));
});
