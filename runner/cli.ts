// tfpipe's command line: argv → command. The only module that touches process (exit code, signals, TTY, env).
import { runCommand } from './commands/run.ts';
import { validateCommand } from './commands/validate.ts';
import { statusCommand } from './commands/status.ts';
import { dagCommand } from './commands/dag.ts';
import { runsCommand } from './commands/runs.ts';
import { showCommand } from './commands/show.ts';
import { diffCommand } from './commands/diff.ts';
import { reportCommand } from './commands/report.ts';
import { predictCommand } from './commands/predict.ts';
import { exportCommand } from './commands/export.ts';
import { pushCommand } from './commands/push.ts';
import { pullCommand } from './commands/pull.ts';
import { gcCommand } from './commands/gc.ts';
import { execStageCommand } from './commands/exec-stage.ts';
import { CommandFailure, EXIT, UsageError, type CommandIO } from './commands/io.ts';
import { StageInputError } from './exec/fingerprints.ts';
import { RemoteError } from './cache/remote/object-store.ts';
import { describeSystemError } from './exec/system-errors.ts';
import { isAbsolute, resolve } from 'node:path';

type Command = (argv: string[], io: CommandIO) => Promise<number>;

/** hidden: not listed in the help (run by tfpipe itself, e.g. in a Slurm job). */
const COMMANDS: Record<string, { run: Command; summary: string; hidden?: true }> = {
  run: { run: runCommand, summary: 'run a pipeline, taking unchanged stages from the cache' },
  validate: { run: validateCommand, summary: 'check a pipeline file and report every problem' },
  status: { run: statusCommand, summary: 'say, per stage, whether it is cached or will run, and why' },
  dag: { run: dagCommand, summary: 'print the stage graph (text, or Mermaid with --mermaid)' },
  runs: {
    run: runsCommand,
    summary: "list the recorded runs with the params that differ; --sort, --filter; --sweep LAST for one sweep's",
  },
  show: { run: showCommand, summary: 'print one recorded run: stages, times, metrics, config' },
  diff: {
    run: diffCommand,
    summary: 'compare two pipeline files or runs: what changed first (config, metrics), equal ones counted; --all',
  },
  report: { run: reportCommand, summary: 'write one self-contained HTML report of runs, with training curves' },
  predict: {
    run: predictCommand,
    summary: 'run a cached model on new texts: a label and probabilities, or a continuation',
  },
  export: { run: exportCommand, summary: 'write a cached model in the format PyTorch, transformers or peft loads' },
  push: { run: pushCommand, summary: "upload a pipeline's cache entries to the remote cache (s3://bucket/prefix)" },
  pull: { run: pullCommand, summary: "download a pipeline's cache entries from the remote cache, each checked" },
  gc: { run: gcCommand, summary: 'remove cache entries and checkpoints that no recent run or current pipeline uses' },
  'exec-stage': {
    run: execStageCommand,
    summary: 'run one stage of a Slurm job (tfpipe run --executor slurm)',
    hidden: true,
  },
};

const HELP = `tfpipe — declarative ML pipelines with a content-addressed stage cache

usage: tfpipe <command> [options]

commands:
${Object.entries(COMMANDS)
  .filter(([, c]) => !c.hidden)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run \`tfpipe <command> --help\` for a command's options.
--debug (anywhere on the line) prints the stack trace of an error, for a bug report, and TensorFlow.js's own
console messages.
Exit codes: 0 success, 1 a stage or the command failed, 2 invalid pipeline or usage, 130 interrupted.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name ? EXIT.ok : EXIT.invalid;
  }
  if (name === '--version') {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command \`${name}\`; commands: ${Object.keys(COMMANDS).join(', ')}`);

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write('\ninterrupting: stopping the work under way (press Ctrl-C again to quit at once)\n');
      controller.abort(new Error('interrupted'));
    } else {
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const code = await command.run(rest, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      isTTY: Boolean(process.stdout.isTTY) && !process.env.CI,
      env: withAbsoluteDataRoot(process.env, process.cwd()),
      cwd: process.cwd(),
      signal: controller.signal,
      stdin: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      },
    });
    // Ctrl-C once the command's work was done (after a run's last stage, say) is still an interrupt.
    return controller.signal.aborted && code === EXIT.ok ? EXIT.interrupted : code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** TFPIPE_DATA names a folder relative to where the command is typed, as any path on the command line does. */
function withAbsoluteDataRoot(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  const root = env.TFPIPE_DATA;
  return root && !isAbsolute(root) ? { ...env, TFPIPE_DATA: resolve(cwd, root) } : env;
}

// --debug, anywhere before a `--`, is taken out of the command's arguments: it only adds stack traces below.
const argv = process.argv.slice(2);
const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
const debug = argv.slice(0, end).includes('--debug');
if (debug) process.env.TFPIPE_DEBUG = '1'; // also lets TensorFlow.js's own console messages through (exec/backend.ts)
try {
  const code = await main(debug ? argv.filter((a, i) => i >= end || a !== '--debug') : argv);
  process.exitCode = code;
} catch (error) {
  // Every failure is a message with its exit code; the stack trace only with --debug.
  const system = describeSystemError(error);
  if (error instanceof StageInputError || error instanceof CommandFailure || error instanceof RemoteError) {
    process.stderr.write(`tfpipe: ${error.message}\n`);
    process.exitCode = EXIT.failed;
  } else if (error instanceof UsageError) {
    process.stderr.write(`tfpipe: ${error.message}\n(see tfpipe --help)\n`);
    process.exitCode = EXIT.invalid;
  } else if (system !== undefined) {
    process.stderr.write(`tfpipe: ${system}\n`);
    process.exitCode = EXIT.failed;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `tfpipe: internal error: ${message}${debug ? '' : '\n(run again with --debug for the stack trace, to report it)'}\n`,
    );
    process.exitCode = EXIT.failed;
  }
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}
// tfjs's wasm backend and listr2 may keep handles open; the command's work is done, so leave now.
process.exit(process.exitCode);
