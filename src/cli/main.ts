import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { addAdminCommand } from './commands/admin.js';
import { addAtmCommand } from './commands/atm.js';
import { addServerCommand } from './commands/server.js';
import type { RangedParser } from './options.js';

/** Builds the `bank` program: one subcommand per file under commands/. */
export function buildProgram(): Command {
  const program = new Command('bank')
    .description('An ATM network: a bank server, ATM clients and an admin console')
    .version(VERSION)
    .exitOverride();
  addServerCommand(program);
  addAtmCommand(program);
  addAdminCommand(program);
  configureCommands(program);
  return program;
}

/**
 * One rule for every command, set here once: a mistake in the options prints commander's
 * one-line error and `see: bank server --help`, not the whole help scrolling it away; and each
 * numeric option's help states its allowed range.
 */
function configureCommands(command: Command): void {
  command.showHelpAfterError(`see: ${commandPath(command)} --help`);
  for (const option of command.options) {
    const range = (option.parseArg as Partial<RangedParser> | undefined)?.range;
    if (range !== undefined) option.description += ` (allowed: ${range})`;
  }
  command.commands.forEach(configureCommands);
}

/** `bank admin seed`: the words that name a command on the command line. */
function commandPath(command: Command): string {
  return command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
}

/** Runs the CLI: the single place that turns an error into a message and an exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    console.error(`bank: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

// No process.exit(): it would cut off output still on its way into a slow pipe. Everything the
// commands open (sockets, timers, stdin) is closed or unref'd, so the process ends by itself.
process.exitCode = await main(process.argv);
