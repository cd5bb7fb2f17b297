import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config.js';
import { createCliOutput, type OutputStream } from './createCliOutput.js';
import type { CommandSetup } from './commandSetup.js';
import { createCliContext, type CliContext, type GlobalOptions } from './createCliContext.js';
import { addDoctorCommand } from './doctor.js';
import { addEnableCommand } from './enable.js';
import { EXIT_OK } from './exitCodeOf.js';
import { addPlanCommand } from './plan.js';
import { addRedeployCommand } from './redeploy.js';
import { addReplayFailedCommand } from './replayFailed.js';
import { reportError } from './reportError.js';
import { addRotateCommand } from './rotate.js';
import { addStatusCommand } from './status.js';
import { addSyncCommand } from './sync.js';

/** What the CLI runs against: two output streams and the environment (read by the entry, passed down). */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** keyroll's variables (config.ts), KEYROLL_ROTATE_FUNCTION_ARN and KEYROLL_FAILED_QUEUE. The AWS SDK reads AWS_* from the process itself. */
  env: Record<string, string | undefined>;
}

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

function parseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`"${text}" is not a URL (e.g. http://127.0.0.1:4566)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`"${text}" is not an http(s) URL`);
  return text;
}

const collectList = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

function createProgram(io: CliIo, setup: CommandSetup): Command {
  const program = new Command('keyroll')
    .description('Operate keyroll: PostgreSQL credentials rotated in Secrets Manager, mirrored to SSM Parameter Store, rolled out to ECS.')
    .version(version, '--version', 'print the version')
    .option('--endpoint-url <url>', 'AWS endpoint for every service (default: the SDK\'s AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, else AWS)', parseUrl)
    .option('--profile <name>', 'AWS profile of the shared config and credentials files, for credentials and region (default: AWS_PROFILE, else default)')
    .option('--region <region>', 'AWS region (default: AWS_REGION or the profile\'s region)')
    .option('--json', 'print exactly one JSON document on stdout, for scripts')
    .option('--verbose', 'log what keyroll does on stderr; on failure print the full error with its causes')
    .option('--ca-bundle <path>', 'PEM file of the CAs trusted for verify-ca / verify-full database connections (env DB_CA_BUNDLE)')
    .addOption(
      new Option('--cluster <name>', 'ECS cluster to search for services, repeatable or comma-separated (env ECS_CLUSTERS; default: every cluster)').argParser(
        collectList,
      ),
    )
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(keyroll --help lists the commands; keyroll <command> --help their options)')
    .exitOverride();
  addStatusCommand(program, setup);
  addPlanCommand(program, setup);
  addRotateCommand(program, setup);
  addEnableCommand(program, setup);
  addSyncCommand(program, setup);
  addRedeployCommand(program, setup);
  addDoctorCommand(program, setup);
  addReplayFailedCommand(program, setup);
  // Subcommands were created by program.command(), so they inherit exitOverride and the output.
  return program;
}

/**
 * Runs the keyroll CLI on `argv` (the arguments after the program name) and returns the exit
 * code: 0 ok; 1 a check or operation failed; 2 usage or configuration error; 3 secret or
 * cluster not found; 4 AWS or network error. Errors are printed once, here; with `--verbose`
 * with their causes. Never writes a secret value: every output passes through redaction of
 * the values the CLI read. Used by `main.ts` and, in-process, by the tests.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // Read before commander parses: an error in parsing must still honour them.
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose');
  const out = createCliOutput(io, { json });
  let context: CliContext | undefined;
  let exitCode = EXIT_OK;
  const setup: CommandSetup = {
    context(command) {
      context ??= createCliContext({
        out,
        config: loadConfig(io.env as NodeJS.ProcessEnv),
        options: command.optsWithGlobals<GlobalOptions>(),
        rotateFunctionArn: io.env.KEYROLL_ROTATE_FUNCTION_ARN?.trim() || undefined,
        failedQueue: io.env.KEYROLL_FAILED_QUEUE?.trim() || undefined,
      });
      return context;
    },
    exit(code) {
      exitCode = code;
    },
  };
  try {
    await createProgram(io, setup).parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err, out, { verbose });
  } finally {
    context?.close();
  }
}
