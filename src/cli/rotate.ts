import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { DescribeSecretCommand, RotateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, AWSPENDING } from '../secret.js';
import { parseLastFailure, tagValue, TAG_LAST_FAILURE } from '../tags.js';
import type { CommandSetup } from './commandSetup.js';
import type { CliContext } from './createCliContext.js';
import { createProgress } from './createProgress.js';
import { NotFoundError } from './errors.js';
import { EXIT_FAILED, EXIT_OK } from './exitCodeOf.js';
import { formatSeconds } from './formatTimestamp.js';
import { parseSeconds } from './parseSeconds.js';

/** What `keyroll rotate` did. */
export interface RotateReport {
  secretArn: string;
  name: string;
  /** The new version (RotateSecret's ClientRequestToken): AWSPENDING until finishSecret. */
  versionId: string;
  /** `started` without --wait; with it, `finished`, `failed` or `timeout`. */
  status: 'started' | 'finished' | 'failed' | 'timeout';
  elapsedMs?: number;
  /** Why the wait failed, and what to do. */
  message?: string;
  /** The step the rotate function recorded as failed, when it did. */
  failedStep?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Called when the version's stages change (names of stages only). */
  onStages?: (stages: string[]) => void;
}

/**
 * Asks Secrets Manager to rotate the secret now (RotateSecret with its configured function
 * and schedule); Secrets Manager then invokes the function's four steps.
 * @throws NotFoundError for a secret that does not exist; the SDK's error otherwise (e.g.
 *   InvalidRequestException when no rotation function is attached, or a previous rotation
 *   left AWSPENDING behind).
 */
export async function startRotation(secretsManager: SecretsManagerClient, secretId: string): Promise<{ arn: string; name: string; versionId: string }> {
  try {
    const out = await secretsManager.send(new RotateSecretCommand({ SecretId: secretId }));
    return { arn: out.ARN ?? secretId, name: out.Name ?? secretId, versionId: out.VersionId ?? '' };
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') throw new NotFoundError(`secret ${secretId} does not exist`, { cause: err });
    throw err;
  }
}

/**
 * Follows a rotation by polling DescribeSecret (every `intervalMs`, until `timeoutMs`) until
 * the new version is AWSCURRENT. Fails as soon as keyroll's rotate function records a failed
 * step of this version on the secret (tag keyroll:last-failure: the step and its cause), when
 * AWSPENDING leaves the version before it is AWSCURRENT (cancelled, or healed as stale), or when
 * the time runs out with AWSPENDING still on it (a rotation function that records nothing, or
 * one still running). Never throws for the rotation's outcome; SDK errors propagate.
 */
export async function waitForRotation(
  secretsManager: SecretsManagerClient,
  target: { arn: string; versionId: string },
  options: WaitOptions,
): Promise<Pick<RotateReport, 'status' | 'elapsedMs' | 'message' | 'failedStep'>> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let last = '';
  for (;;) {
    const meta = await secretsManager.send(new DescribeSecretCommand({ SecretId: target.arn }));
    const stages = meta.VersionIdsToStages?.[target.versionId] ?? [];
    const seen = stages.join(',');
    if (seen !== last) options.onStages?.(stages);
    last = seen;
    const elapsedMs = Date.now() - started;
    if (stages.includes(AWSCURRENT)) return { status: 'finished', elapsedMs };
    const failure = parseLastFailure(tagValue(meta.Tags, TAG_LAST_FAILURE));
    if (failure && failure.versionId === target.versionId) {
      return { status: 'failed', elapsedMs, failedStep: failure.step, message: `rotation of ${target.arn} failed at ${failure.step}: ${failure.cause}. ${nextSteps(target.arn)}` };
    }
    if (!stages.includes(AWSPENDING)) {
      return {
        status: 'failed',
        elapsedMs,
        message: `rotation of ${target.arn} failed: version ${target.versionId} lost AWSPENDING before becoming AWSCURRENT (rotation cancelled, or its AWSPENDING removed)`,
      };
    }
    if (meta.RotationEnabled === false) {
      return { status: 'failed', elapsedMs, message: `rotation of ${target.arn} was cancelled (rotation disabled) while version ${target.versionId} was AWSPENDING` };
    }
    if (Date.now() >= deadline) {
      return {
        status: 'timeout',
        elapsedMs,
        message:
          `rotation of ${target.arn} did not finish within ${formatSeconds(options.timeoutMs)}: AWSPENDING is still on version ${target.versionId}. ` +
          `A step failed or is still running: ${nextSteps(target.arn)}`,
      };
    }
    await sleep(Math.min(options.intervalMs, Math.max(0, deadline - Date.now())));
  }
}

const nextSteps = (arn: string) => `read the rotation function's logs (serverless logs -f rotate), then run keyroll doctor ${arn} (--fix heals a stale AWSPENDING)`;

/** `keyroll rotate <secret> [--wait]`. */
export function addRotateCommand(program: Command, setup: CommandSetup): void {
  program
    .command('rotate')
    .description('rotate a secret now (RotateSecret); with --wait, follow it until the new version is AWSCURRENT')
    .argument('<secret>', 'secret name or ARN')
    .option('--wait', 'wait until the rotation finishes; exit 1 if it fails or times out')
    .option('--timeout <seconds>', 'longest wait with --wait', parseSeconds, 300)
    .option('--interval <seconds>', 'time between two DescribeSecret polls with --wait', parseSeconds, 2)
    .action(async (secretId: string, options: { wait?: boolean; timeout: number; interval: number }, command: Command) => {
      setup.exit(await runRotate(setup.context(command), secretId, options));
    });
}

async function runRotate(ctx: CliContext, secretId: string, options: { wait?: boolean; timeout: number; interval: number }): Promise<number> {
  const { out } = ctx;
  const sm = ctx.secretsManager();
  const rotation = await startRotation(sm, secretId);
  const report: RotateReport = { secretArn: rotation.arn, name: rotation.name, versionId: rotation.versionId, status: 'started' };
  if (!out.json) out.note(`rotation of ${rotation.name} started: version ${rotation.versionId}`);
  if (options.wait) {
    let progress = createProgress(out, 'waiting for the rotation');
    let outcome;
    try {
      outcome = await waitForRotation(sm, { arn: rotation.arn, versionId: rotation.versionId }, {
        timeoutMs: options.timeout * 1000,
        intervalMs: options.interval * 1000,
        onStages: (stages) => {
          if (out.json) return;
          // The note goes on its own line, then the spinner starts again below it.
          progress.stop();
          out.note(`  version ${rotation.versionId}: ${stages.length ? stages.join(', ') : 'no stage'}`);
          progress = createProgress(out, 'waiting for the rotation');
        },
      });
    } finally {
      progress.stop();
    }
    Object.assign(report, outcome);
  }
  if (out.json) out.document(report);
  else if (report.status === 'started') out.line(`started: ${rotation.name} version ${rotation.versionId} is AWSPENDING (use --wait to follow it)`);
  else if (report.status === 'finished') out.line(`finished in ${formatSeconds(report.elapsedMs ?? 0)}: ${rotation.name} version ${rotation.versionId} is AWSCURRENT`);
  if (report.message) out.note(`keyroll: ${report.message}`);
  return report.status === 'failed' || report.status === 'timeout' ? EXIT_FAILED : EXIT_OK;
}
