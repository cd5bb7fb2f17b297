import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelRotateSecretCommand, DescribeSecretCommand, RotateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, AWSPENDING } from '../secret.js';
import { errorText } from '../errors.js';
import { parseLastFailure, parseTested, tagValue, TAG_LAST_FAILURE, TAG_TESTED } from '../tags.js';
import type { CommandSetup } from './commandSetup.js';
import type { CliContext } from './createCliContext.js';
import { PreflightError } from './errors.js';
import { EXIT_FAILED, EXIT_OK } from './exitCodeOf.js';
import { formatSeconds, formatTimestamp } from './formatTimestamp.js';
import { parseSeconds } from './parseSeconds.js';
import { runDoctorChecks } from './runDoctorChecks.js';
import { validateFunctionArn, validateRotationRules } from './validateRotationRules.js';

/** What `keyroll enable` configured, and what Secrets Manager's configuration test found. */
export interface EnableReport {
  secretArn: string;
  name: string;
  rotationEnabled: boolean;
  rotationFunction: string | null;
  schedule: string;
  duration: string | null;
  nextRotation: string | null;
  /**
   * Secrets Manager's test of the configuration (testSecret on an AWSPENDING version it removes
   * afterwards), as keyroll's rotate function records it on the secret: `passed`, `failed` (with
   * the step and cause), `unrecorded` (the test ended without a record: not keyroll's function, or
   * it could not tag), or `timeout`.
   */
  test: { status: 'passed' | 'failed' | 'unrecorded' | 'timeout'; message?: string };
}

export interface EnableOptions {
  schedule: string;
  duration?: string;
  function?: string;
  /** Longest wait for the configuration test, seconds. */
  timeout: number;
  interval: number;
}

/** Doctor's checks that concern the rotation itself: a failing one means the rotation cannot work. */
const PREFLIGHT_CHECKS = new Set(['secrets-manager', 'secret-value', 'database-login', 'master', 'master-secret', 'master-login', 'master-privileges', 'clone-ownership', 'stale-pending']);

/**
 * Turns on rotation for a secret without rotating it now, after checking it can work:
 * 1. the schedule, window and ARN are checked (no call);
 * 2. doctor's checks of the secret (the value parses, AWSCURRENT logs in with its TLS mode, the
 *    master may manage the roles, no stale AWSPENDING): a failing one stops here, nothing changed;
 * 3. RotateSecret with RotationRules, the function (`--function`, else KEYROLL_ROTATE_FUNCTION_ARN,
 *    else the one attached) and RotateImmediately=false, so Secrets Manager only tests the
 *    configuration with testSecret;
 * 4. that test is followed until keyroll's rotate function records its outcome (keyroll:tested, or
 *    keyroll:last-failure with the step and cause); anything but a recorded pass is a failure, and
 *    rotation, if it was off before, is turned off again (CancelRotateSecret), so that no schedule
 *    runs a rotation that cannot work.
 * @throws UsageError for an invalid schedule, duration or ARN; NotFoundError for a missing
 *   secret; PreflightError when a check fails; the SDK's error otherwise.
 */
export async function enableRotation(ctx: CliContext, secretId: string, options: EnableOptions): Promise<EnableReport> {
  const rules = validateRotationRules(options.schedule, options.duration);
  const functionArn = options.function
    ? validateFunctionArn(options.function, '--function')
    : ctx.rotateFunctionArn
      ? validateFunctionArn(ctx.rotateFunctionArn, 'KEYROLL_ROTATE_FUNCTION_ARN')
      : undefined;

  const preflight = await runDoctorChecks(ctx, secretId);
  const failing = preflight.checks.filter((c) => c.status === 'fail' && PREFLIGHT_CHECKS.has(c.name));
  if (failing.length) {
    throw new PreflightError(
      `rotation not enabled for ${preflight.name}: ${failing.map((c) => `${c.name}: ${c.message}${c.hint ? ` (fix: ${c.hint})` : ''}`).join('; ')}`,
    );
  }
  const sm = ctx.secretsManager();
  const wasEnabled = (await sm.send(new DescribeSecretCommand({ SecretId: preflight.secretArn }))).RotationEnabled === true;
  const since = new Date();
  const rotated = await sm.send(
    new RotateSecretCommand({
      SecretId: preflight.secretArn,
      RotationRules: rules,
      ...(functionArn ? { RotationLambdaARN: functionArn } : {}),
      RotateImmediately: false,
    }),
  );
  const test = await waitForConfigurationTest(sm, { arn: preflight.secretArn, versionId: rotated.VersionId, since }, options);
  // Rotation that was off stays off unless the test passed: no schedule runs a rotation that cannot work.
  if (test.status !== 'passed' && wasEnabled) {
    test.message = `${test.message}; rotation was already on and stays on with these settings: fix the cause, or attach the previous function and schedule again`;
  } else if (test.status !== 'passed') {
    try {
      await sm.send(new CancelRotateSecretCommand({ SecretId: preflight.secretArn }));
      test.message = `${test.message}; rotation turned off again (it was off before)`;
    } catch (err) {
      test.message = `${test.message}; rotation could NOT be turned off again (${errorText(err)}): run aws secretsmanager cancel-rotate-secret --secret-id ${preflight.secretArn}`;
    }
  }
  const meta = await sm.send(new DescribeSecretCommand({ SecretId: preflight.secretArn }));
  return {
    secretArn: meta.ARN ?? preflight.secretArn,
    name: meta.Name ?? preflight.name,
    rotationEnabled: meta.RotationEnabled === true,
    rotationFunction: meta.RotationLambdaARN ?? null,
    schedule: rules.ScheduleExpression!,
    duration: rules.Duration ?? null,
    nextRotation: meta.NextRotationDate ? meta.NextRotationDate.toISOString() : null,
    test,
  };
}

/**
 * Follows Secrets Manager's configuration test: polls DescribeSecret until keyroll's rotate
 * function records its outcome on the secret (`keyroll:tested` when the test passed,
 * `keyroll:last-failure` when a step failed) for the test's version. The test version losing
 * AWSPENDING with neither record is `unrecorded` (a function that is not keyroll's rotate, or
 * one that could not tag the secret): never taken for a pass.
 */
async function waitForConfigurationTest(
  sm: SecretsManagerClient,
  target: { arn: string; versionId: string | undefined; since: Date },
  options: { timeout: number; interval: number },
): Promise<EnableReport['test']> {
  const deadline = Date.now() + options.timeout * 1000;
  // The version when RotateSecret names it; else a record made since this run began (second
  // precision on the function's clock: a second of slack).
  const ours = (r: { versionId: string; at: string }) =>
    target.versionId !== undefined ? r.versionId === target.versionId : Date.parse(r.at) >= target.since.getTime() - 1_000;
  for (let ended = false; ; ) {
    const meta = await sm.send(new DescribeSecretCommand({ SecretId: target.arn }));
    const failure = parseLastFailure(tagValue(meta.Tags, TAG_LAST_FAILURE));
    if (failure && ours(failure)) return { status: 'failed', message: `the configuration test failed at ${failure.step}: ${failure.cause}` };
    const tested = parseTested(tagValue(meta.Tags, TAG_TESTED));
    if (tested && ours(tested)) return { status: 'passed' };
    const testing = Object.values(meta.VersionIdsToStages ?? {}).some((stages) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT));
    // One more look after the test version is gone: the record is written before the step returns.
    if (!testing && ended) {
      return {
        status: 'unrecorded',
        message: `the configuration test ended but the rotation function recorded no outcome on the secret (tags ${TAG_TESTED}, ${TAG_LAST_FAILURE}): is it keyroll's rotate function? Read its logs (serverless logs -f rotate)`,
      };
    }
    ended = !testing;
    if (Date.now() >= deadline) {
      return {
        status: 'timeout',
        message: `the configuration test did not finish within ${formatSeconds(options.timeout * 1000)} (AWSPENDING still on the test version): read the rotation function's logs (serverless logs -f rotate)`,
      };
    }
    await sleep(ended ? 0 : Math.min(options.interval * 1000, Math.max(0, deadline - Date.now())));
  }
}

/** `keyroll enable <secret> --schedule ... [--duration ...] [--function ...]`. */
export function addEnableCommand(program: Command, setup: CommandSetup): void {
  program
    .command('enable')
    .description(
      "turn on scheduled rotation for a secret after checking it can work (doctor's checks), then follow Secrets Manager's configuration test (RotateSecret with RotateImmediately=false: nothing is rotated now)",
    )
    .argument('<secret>', 'secret name or ARN')
    .requiredOption('--schedule <expression>', 'rotation schedule: rate(N days), rate(N hours) (N >= 4) or cron(min hour day-of-month month day-of-week year), UTC')
    .option('--duration <hours>', 'rotation window, 1h to 24h (default: 1h for hourly schedules, the rest of the UTC day for daily ones)')
    .option('--function <arn>', 'ARN of keyroll\'s rotation function (env KEYROLL_ROTATE_FUNCTION_ARN; default: the function already attached)')
    .option('--timeout <seconds>', 'longest wait for the configuration test', parseSeconds, 60)
    .option('--interval <seconds>', 'time between two DescribeSecret polls', parseSeconds, 1)
    .action(async (secretId: string, options: EnableOptions, command: Command) => {
      const ctx = setup.context(command);
      const report = await enableRotation(ctx, secretId, options);
      if (ctx.out.json) ctx.out.document(report);
      else if (report.test.status === 'passed') {
        ctx.out.line(`rotation enabled for ${report.name}: ${report.schedule}${report.duration ? `, window ${report.duration}` : ''}`);
        ctx.out.line(`function ${report.rotationFunction ?? '-'}`);
        ctx.out.line(`configuration test passed`);
        ctx.out.line(`next rotation ${formatTimestamp(report.nextRotation ? new Date(report.nextRotation) : undefined)}`);
      } else {
        ctx.out.line(`rotation ${report.rotationEnabled ? 'enabled' : 'NOT enabled'} for ${report.name}: configuration test ${report.test.status}`);
      }
      if (report.test.message) ctx.out.note(`keyroll: ${report.test.message}`);
      setup.exit(report.test.status === 'passed' ? EXIT_OK : EXIT_FAILED);
    });
}
