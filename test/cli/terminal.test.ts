// The live view in a real terminal (tmux, 120×40): a small lab 1 run leaves one line per finished epoch on screen,
// and after Ctrl-C a rerun leaves its resume line visible. Where tmux is missing the tests say so and skip.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { makeProject } from './helpers.ts';
import { lab1Pipeline, reviewsCsv } from './lab1-fixture.ts';
import { CLI } from './helpers.ts';

const SOCKET = `tfpipe-test-${process.pid}`;
const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
after(() => execFile('tmux', ['-L', SOCKET, 'kill-server'], () => {}));

function tmux(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('tmux', ['-L', SOCKET, ...args], (error, stdout, stderr) =>
      error ? reject(new Error(`tmux ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}

/** The pane's text, its history included (a run's first lines may have scrolled off the 40 rows). */
const screen = (session: string) => tmux(['capture-pane', '-p', '-J', '-S', '-200', '-t', session]);

async function waitFor(session: string, pattern: RegExp, what: string): Promise<string> {
  for (let i = 0; i < 1200; i++) {
    const text = await screen(session);
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the terminal never showed ${what}:\n${await screen(session)}`);
}

/** A shell in a 120×40 terminal in `dir`, as a user's: a TTY, no CI variable. */
async function terminal(session: string, dir: string): Promise<void> {
  await tmux(['new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', dir, 'sh']);
  await tmux(['send-keys', '-t', session, 'unset CI TFPIPE_CACHE; clear', 'Enter']);
}

const run = (session: string) =>
  tmux([
    'send-keys',
    '-t',
    session,
    `'${process.execPath}' '${CLI}' run p.yaml --backend cpu; echo "exit $?"`,
    'Enter',
  ]);

test('a lab 1 run in a terminal leaves one line per finished epoch on screen', async (t) => {
  if (!hasTmux) return t.skip('no tmux here');
  const dir = await makeProject({
    'p.yaml': lab1Pipeline({ stages: { train: { epochs: 4 } } }),
    'reviews.csv': reviewsCsv(400),
  });
  await terminal('epochs', dir);
  await run('epochs');
  const text = await waitFor('epochs', /^exit \d+$/m, 'the end of the run');
  assert.match(text, /^exit 0$/m, text);
  for (let epoch = 1; epoch <= 4; epoch++) {
    const lines = text.split('\n').filter((l) => l.includes(`Epoch ${epoch}: train loss`));
    assert.equal(lines.length, 1, `one line for epoch ${epoch}:\n${text}`);
  }
  assert.match(text, /✔ train \(train\) · \d/); // the finished stage, its duration in its title
  assert.match(text, /^done: 6 ran, 0 cached$/m);
});

test('after Ctrl-C, a rerun in the terminal leaves its resume line visible', async (t) => {
  if (!hasTmux) return t.skip('no tmux here');
  const dir = await makeProject({
    'p.yaml': lab1Pipeline({ stages: { train: { epochs: 40, keep_best: undefined } } }),
    'reviews.csv': reviewsCsv(400),
  });
  await terminal('resume', dir);
  await run('resume');
  await waitFor('resume', /Epoch 2: train loss/, 'the second epoch');
  await tmux(['send-keys', '-t', 'resume', 'C-c']);
  await waitFor('resume', /^exit 130$/m, 'the interrupted run ending');
  await tmux(['send-keys', '-t', 'resume', 'clear', 'Enter']);
  await tmux(['clear-history', '-t', 'resume']);
  await run('resume');
  const text = await waitFor('resume', /^exit \d+$/m, 'the end of the rerun');
  assert.match(text, /^exit 0$/m, text);
  assert.match(text, /› resuming at epoch \d+ of 40 \(from checkpoint\)/, text);
});
