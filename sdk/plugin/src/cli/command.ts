import type { ParseArgsConfig } from 'node:util';

/** What a command gets: its positional arguments and options, and where to write. */
export interface CommandInput {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * One CLI command, one file in `commands/` exporting `command`. The file name is the command name; heavy imports
 * belong inside `run` so that `--help` stays fast.
 */
export interface Command {
  summary: string;
  usage: string;
  options?: ParseArgsConfig['options'];
  /** Resolves to the exit code. */
  run(input: CommandInput): Promise<number>;
}
