// What a command may touch of the outside world, handed in by cli.ts (the only module that sees process).
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is an interactive terminal (live progress); false in CI and pipes (plain lines). */
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** All of standard input, as text (tfpipe exec-stage reads its job there). */
  stdin?(): Promise<string>;
}

/** Exit codes: 0 ok, 1 a stage failed, 2 invalid spec or usage, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, invalid: 2, interrupted: 130 } as const;

export class UsageError extends Error {}

/** The command could not do what was asked (e.g. the model it needs is not in the cache): exit 1, the message alone. */
export class CommandFailure extends Error {}
