import { Command, CommanderError } from 'commander';
import { addAdminCommand } from './commands/admin.js';
import { addAtmCommand } from './commands/atm.js';
import { addServerCommand } from './commands/server.js';

/** Builds the `bank` program: one subcommand per file under commands/. */
export function buildProgram(): Command {
  const program = new Command('bank')
    .description('An ATM network: a bank server, ATM clients and an admin console')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  addServerCommand(program);
  addAtmCommand(program);
  addAdminCommand(program);
  return program;
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
