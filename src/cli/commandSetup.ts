import type { Command } from 'commander';
import type { CliContext } from './createCliContext.js';

/** What each command file receives to register itself on the program. */
export interface CommandSetup {
  /** The context of the run, built on first use from the command's options (with the globals). */
  context(command: Command): CliContext;
  /** Records the exit code the command decided (0 unless a check or an operation failed). */
  exit(code: number): void;
}
