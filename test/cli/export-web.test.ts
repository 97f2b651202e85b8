// `tfpipe export --web`: a test-sized lab 1 classifier and a tiny GPT-2 (lab 2's finetune, and its LoRA merged at
// export) as static web pages, served from 127.0.0.1 and driven in headless Chromium with no network. Typing three
// reviews into the page shows the probabilities `tfpipe predict` prints (within 1e-5); the page's greedy
// continuation of a prompt is predict's, token for token. Chromium missing: skipped with the reason, as the report
// tests are.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lab1Pipeline, reviewsCsv } from './lab1-fixture.ts';
import { lab2TinyFiles } from './lab2-tiny-fixture.ts';
import { makeProject, runCli } from './helpers.ts';
import { CHROMIUM } from './chromium.ts';
import { openOffline, serveFolder } from './web-browser.ts';
import { decodeGpt2 } from '../../models/tokenizer/gpt2-bpe.ts';

const REVIEWS = [
  'a great, moving film',
  'boring and weak; the plot was awful',
  'the actor was fine but the story dull',
];
const PROMPT = 'The model is';
const NO_CHROMIUM = 'chromium not installed: apt-get install chromium';
/** Chromium's software WebGPU adapter, for a machine with no GPU. */
const SOFTWARE_WEBGPU = ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader'];

let lab1: string;
let lab2: string;
before(async () => {
  lab1 = await makeProject({ 'p.yaml': lab1Pipeline({ loadId: 'reviews' }), 'reviews.csv': reviewsCsv(300) });
  lab2 = await makeProject(lab2TinyFiles());
  for (const [dir, args] of [
    [lab1, ['run', 'p.yaml', '--to', 'train']],
    [lab2, ['run', 'p.yaml', '--to', 'lora']],
  ] as const) {
    const run = await runCli(dir, [...args]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
  }
});

async function exportWeb(dir: string, stage: string, out: string): Promise<string> {
  const run = await runCli(dir, ['export', 'p.yaml', stage, out, '--web']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`exported ${stage} \\(.*\\) as a web page to ${out}: .*index\\.html`));
  return join(dir, out);
}

async function predictJson(dir: string, stage: string, texts: string[]): Promise<any> {
  const run = await runCli(dir, ['predict', 'p.yaml', stage, '--json', ...texts]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  return JSON.parse(run.stdout);
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

async function screenshotPath(name: string): Promise<string> {
  const dir = process.env.TFPIPE_SCREENSHOT_DIR || (await mkdtemp(join(tmpdir(), 'tfpipe-web-')));
  return join(dir, name);
}

test('the classifier page shows, as you type, the probabilities tfpipe predict prints', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(NO_CHROMIUM);
  const folder = await exportWeb(lab1, 'train', 'web');
  const card = JSON.parse(await readFile(join(folder, 'model-card.json'), 'utf8'));
  assert.equal(card.stage, 'train');
  assert.ok(typeof card.run === 'string', 'the run that made the model is named');
  assert.ok('valid_acc' in card.metrics || Object.keys(card.metrics).length > 0, 'training metrics are in the card');
  const expected = await predictJson(lab1, 'train', REVIEWS);
  const server = await serveFolder(folder);
  const { browser, page, blocked, errors } = await openOffline(`${server.origin}/`);
  try {
    await page.waitForSelector('body[data-state="ready"]', { timeout: 0 });
    const backend = await page.textContent('#backend');
    assert.ok(backend === 'WASM' || backend === 'WebGPU', `the page names its backend: ${backend}`);
    const readyMs = await page.evaluate(() => (window as any).tfpipe.readyMs as number);
    for (const [i, review] of REVIEWS.entries()) {
      await page.fill('#review', '');
      await page.locator('#review').pressSequentially(review);
      await page.waitForSelector(`#result[data-text=${JSON.stringify(review)}]`, { timeout: 0 });
      const shown = await page.$$eval('#probabilities tr', (rows) =>
        rows.map((r) => [r.getAttribute('data-class'), r.querySelector('td.probability')!.textContent]),
      );
      const row = expected.rows[i];
      assert.deepEqual(
        shown.map(([name]) => name),
        expected.labelNames,
        'every class, in order',
      );
      shown.forEach(([name, text], k) =>
        assert.ok(
          Math.abs(Number(text) - row.probabilities[k]) <= 1e-5,
          `review ${i} ${name}: page ${text}, predict ${row.probabilities[k]}`,
        ),
      );
      assert.equal(await page.textContent('#label'), row.label, `review ${i}: the label`);
    }
    assert.match((await page.textContent('#card'))!, /train/, 'the model card is shown');
    const shot = await screenshotPath('export-web-classifier.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok((await stat(shot)).size > 0);
    assert.deepEqual(blocked, [], 'the page asks for nothing outside the folder');
    assert.deepEqual(errors, [], 'no errors in the console');
    t.diagnostic(`screenshot ${shot}`);
    t.diagnostic(
      `lab1 folder ${await folderBytes(folder)} bytes; backend ${backend}; ready after ${readyMs.toFixed(0)} ms`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
});

test('on WebGPU (SwiftShader, where Chromium offers it) the classifier page shows the same probabilities', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(NO_CHROMIUM);
  const folder = await exportWeb(lab1, 'train', 'web-gpu');
  const expected = await predictJson(lab1, 'train', REVIEWS);
  const server = await serveFolder(folder);
  const { browser, page, blocked, errors } = await openOffline(`${server.origin}/`, SOFTWARE_WEBGPU);
  try {
    await page.waitForSelector('body[data-state="ready"]', { timeout: 0 });
    const backend = await page.textContent('#backend');
    if (backend !== 'WebGPU') return t.skip(`this Chromium offers no WebGPU adapter (the page chose ${backend})`);
    for (const [i, review] of REVIEWS.entries()) {
      const shown = await page.evaluate(async (text) => (window as any).tfpipe.classify(text), review);
      expected.labelNames.forEach((name: string, k: number) =>
        assert.ok(
          Math.abs(shown.probabilities[name] - expected.rows[i].probabilities[k]) <= 1e-5,
          `review ${i} ${name}: page ${shown.probabilities[name]}, predict ${expected.rows[i].probabilities[k]}`,
        ),
      );
    }
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});

for (const stage of ['finetune', 'lora']) {
  test(`the language-model page of ${stage}: its greedy continuation is tfpipe predict's, token for token`, async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(NO_CHROMIUM);
    const folder = await exportWeb(lab2, stage, `web-${stage}`);
    const expected = (await predictJson(lab2, stage, [PROMPT])).rows[0];
    const server = await serveFolder(folder);
    const { browser, page, blocked, errors } = await openOffline(`${server.origin}/`);
    try {
      await page.waitForSelector('body[data-state="ready"]', { timeout: 0 });
      await page.locator('#prompt').pressSequentially(PROMPT);
      assert.equal(await page.inputValue('#mode'), 'greedy', 'greedy is the default');
      await page.click('#generate');
      await page.waitForSelector('#continuation[data-done]', { timeout: 0 });
      const tokens = await page.$$eval('#continuation .token', (spans) =>
        spans.map((s) => ({ id: Number(s.getAttribute('data-id')), text: s.textContent ?? '' })),
      );
      assert.equal(tokens.length, expected.new_tokens, 'as many tokens as predict generated');
      assert.equal(decodeGpt2(tokens.map((tok) => tok.id)), expected.continuation, "the page's token ids");
      assert.equal(tokens.map((tok) => tok.text).join(''), expected.continuation, 'the text the page shows');
      const stats = await page.textContent('#generation-stats');
      const shot = await screenshotPath(`export-web-gpt2-${stage}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      assert.deepEqual(blocked, [], 'the page asks for nothing outside the folder');
      assert.deepEqual(errors, [], 'no errors in the console');
      t.diagnostic(`screenshot ${shot}`);
      t.diagnostic(`tiny GPT-2 (${stage}) folder ${await folderBytes(folder)} bytes; ${stats}`);
    } finally {
      await browser.close();
      await server.close();
    }
  });
}

test('export --web refuses a stage that makes no model, and --merge beside it, with a clear error each', async () => {
  const cases: [string[], RegExp][] = [
    [['vocab', 'out-vocab'], /stage `vocab` \(kind vocab\) does not make a model; stages that make a model: train/],
    [['train', 'out-merge', '--merge'], /--web merges a LoRA adapter into its base itself; drop --merge/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(lab1, ['export', 'p.yaml', ...args, '--web']);
    assert.notEqual(run.code, 0, args.join(' '));
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr, /\n\s+at /, `no stack: ${run.stderr}`);
    assert.equal(existsSync(join(lab1, args[1])), false, 'nothing written');
  }
});
