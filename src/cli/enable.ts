import type { Command } from 'commander';
import { DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { CommandSetup } from './commandSetup.js';
import type { CliContext } from './createCliContext.js';
import { NotFoundError } from './errors.js';
import { EXIT_OK } from './exitCodeOf.js';
import { formatTimestamp } from './formatTimestamp.js';
import { validateFunctionArn, validateRotationRules } from './validateRotationRules.js';

/** What `keyroll enable` configured. */
export interface EnableReport {
  secretArn: string;
  name: string;
  rotationEnabled: boolean;
  rotationFunction: string | null;
  schedule: string;
  duration: string | null;
  nextRotation: string | null;
}

export interface EnableOptions {
  schedule: string;
  duration?: string;
  function?: string;
}

/**
 * Turns on rotation for a secret without rotating it now: RotateSecret with RotationRules
 * (ScheduleExpression, Duration), the rotation function's ARN (`--function`, else
 * KEYROLL_ROTATE_FUNCTION_ARN, else the function already attached) and RotateImmediately=false
 * (Secrets Manager then only tests the configuration with testSecret). Schedule, window and ARN
 * are checked before any call.
 * @throws UsageError for an invalid schedule, duration or ARN; NotFoundError for a missing
 *   secret; the SDK's error otherwise.
 */
export async function enableRotation(ctx: CliContext, secretId: string, options: EnableOptions): Promise<EnableReport> {
  const rules = validateRotationRules(options.schedule, options.duration);
  const functionArn = options.function
    ? validateFunctionArn(options.function, '--function')
    : ctx.rotateFunctionArn
      ? validateFunctionArn(ctx.rotateFunctionArn, 'KEYROLL_ROTATE_FUNCTION_ARN')
      : undefined;
  const sm = ctx.secretsManager();
  let rotated;
  try {
    rotated = await sm.send(
      new RotateSecretCommand({
        SecretId: secretId,
        RotationRules: rules,
        ...(functionArn ? { RotationLambdaARN: functionArn } : {}),
        RotateImmediately: false,
      }),
    );
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') throw new NotFoundError(`secret ${secretId} does not exist`, { cause: err });
    throw err;
  }
  const meta = await sm.send(new DescribeSecretCommand({ SecretId: rotated.ARN ?? secretId }));
  return {
    secretArn: meta.ARN ?? secretId,
    name: meta.Name ?? secretId,
    rotationEnabled: meta.RotationEnabled === true,
    rotationFunction: meta.RotationLambdaARN ?? null,
    schedule: rules.ScheduleExpression!,
    duration: rules.Duration ?? null,
    nextRotation: meta.NextRotationDate ? meta.NextRotationDate.toISOString() : null,
  };
}

/** `keyroll enable <secret> --schedule ... [--duration ...] [--function ...]`. */
export function addEnableCommand(program: Command, setup: CommandSetup): void {
  program
    .command('enable')
    .description('turn on scheduled rotation for a secret (RotateSecret with RotateImmediately=false: nothing is rotated now)')
    .argument('<secret>', 'secret name or ARN')
    .requiredOption('--schedule <expression>', 'rotation schedule: rate(N days), rate(N hours) (N >= 4) or cron(min hour day-of-month month day-of-week year), UTC')
    .option('--duration <hours>', 'rotation window, 1h to 24h (default: 1h for hourly schedules, the rest of the UTC day for daily ones)')
    .option('--function <arn>', 'ARN of keyroll\'s rotation function (env KEYROLL_ROTATE_FUNCTION_ARN; default: the function already attached)')
    .action(async (secretId: string, options: EnableOptions, command: Command) => {
      const ctx = setup.context(command);
      const report = await enableRotation(ctx, secretId, options);
      if (ctx.out.json) ctx.out.document(report);
      else {
        ctx.out.line(`rotation enabled for ${report.name}: ${report.schedule}${report.duration ? `, window ${report.duration}` : ''}`);
        ctx.out.line(`function ${report.rotationFunction ?? '-'}`);
        ctx.out.line(`next rotation ${formatTimestamp(report.nextRotation ? new Date(report.nextRotation) : undefined)}`);
      }
      setup.exit(EXIT_OK);
    });
}
