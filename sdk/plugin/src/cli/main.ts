import { readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command } from './command.ts';

/**
 * `shequ-plugin <command>`: commands are discovered from the files of `commands/`, so adding one is adding a file.
 * Usage errors exit 2, failed checks exit 1.
 */

const commandsDir = new URL('./commands/', import.meta.url);

const names = () =>
  readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();

async function load(name: string): Promise<Command> {
  return ((await import(new URL(`${name}.ts`, commandsDir).href)) as { command: Command }).command;
}

async function help(out: (l: string) => void) {
  out('shequ-plugin: build, test, pack and sign Shequ plugins / 社区应用开发工具\n');
  out('Usage: shequ-plugin <command> [options]\n');
  for (const name of names()) {
    const cmd = await load(name);
    out(`  ${cmd.usage.padEnd(46)} ${cmd.summary}`);
  }
  out('\nRun shequ-plugin <command> --help for the options of one command.');
}

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: string[], cwd = process.cwd()): Promise<number> {
  const out = (l: string) => process.stdout.write(`${l}\n`);
  const err = (l: string) => process.stderr.write(`${l}\n`);
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await help(out);
    return name ? 0 : 2;
  }
  if (!names().includes(name)) {
    err(`unknown command "${name}"; run shequ-plugin --help`);
    return 2;
  }
  const cmd = await load(name);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (e) {
    err(`${(e as Error).message}\nUsage: shequ-plugin ${cmd.usage}`);
    return 2;
  }
  if (parsed.values.help) {
    out(`Usage: shequ-plugin ${cmd.usage}\n\n${cmd.summary}`);
    return 0;
  }
  try {
    return await cmd.run({
      positionals: parsed.positionals,
      values: parsed.values as Record<string, string | boolean | undefined>,
      cwd,
      out,
      err,
    });
  } catch (e) {
    err(`shequ-plugin ${name}: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
