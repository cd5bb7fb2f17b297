import type { Command } from 'commander';
import { describeChange } from '../redeploy/change.js';
import { redeployForChange, type RedeployResult } from '../redeploy/redeployForChange.js';
import { asksToBeMirrored } from '../tags.js';
import { planParameters } from '../sync/planParameters.js';
import { changeOfSecret } from './changeOfSecret.js';
import type { CommandSetup } from './commandSetup.js';
import type { CliContext } from './createCliContext.js';
import { EXIT_FAILED, EXIT_OK } from './exitCodeOf.js';
import { loadSecret, sourceOf } from './loadSecret.js';
import { CHANGED_AT_HELP, parseChangedAt } from './parseChangedAt.js';
import { parseSeconds } from './parseSeconds.js';

/** What `keyroll redeploy` did (or, with --dry-run, would do). */
export interface RedeployReport extends Omit<RedeployResult, 'unaffected'> {
  /** How many services were looked at and do not reference the change (their list grows with the fleet). */
  unaffected: number;
  secretArn: string;
  name: string;
  versionId: string;
  parameters: string[];
  changedAt: string;
}

export interface RedeployCliOptions {
  dryRun?: boolean;
  changedAt?: Date;
  wait?: boolean;
  timeout?: number;
}

/**
 * Rolls the ECS services that use a secret (or the parameters mirroring it) and do not yet
 * run its AWSCURRENT, through redeployForChange: the change is the secret, its mirrored
 * parameter names (from its `keyroll:ssm-path` tag), its AWSCURRENT version and when that
 * value was created (or `--changed-at`), so a settings change (tags, schedule) restarts
 * nothing. With `dryRun` nothing is restarted nor published.
 * @throws NotFoundError for a missing secret; RedeployInputError when its versions cannot be listed;
 *   ClusterNotFoundError / RedeployDiscoveryError (see redeployForChange).
 */
export async function redeploySecret(ctx: CliContext, secretId: string, options: RedeployCliOptions): Promise<RedeployReport> {
  const secret = await loadSecret({ secretsManager: ctx.secretsManager(), out: ctx.out }, secretId, { withValue: true });
  const current = secret.current!;
  const tags = secret.meta.Tags ?? [];
  // The parameter names come from the secret's mapping; a secret sync refuses maps to none.
  let parameters: string[] = [];
  if (asksToBeMirrored(tags)) {
    try {
      parameters = planParameters(sourceOf(secret), ctx.syncDeps().settings).parameters.map((p) => p.name);
    } catch (err) {
      ctx.logger.warn('secret not mapped to parameters; redeploying for the secret alone', { secretArn: secret.arn, error: String(err instanceof Error ? err.message : err) });
    }
  }
  const change = await changeOfSecret(
    { secretsManager: ctx.secretsManager() },
    {
      secretArn: secret.arn,
      name: secret.name,
      versionId: current.versionId,
      parameterNames: parameters,
      ...(options.changedAt ? { changedAt: options.changedAt } : {}),
    },
  );
  ctx.logger.debug('redeploying', { change: describeChange(change) });
  const deps = ctx.redeployDeps({
    ...(options.wait ? { wait: true } : {}),
    ...(options.timeout !== undefined ? { waitTimeoutMs: options.timeout * 1000 } : {}),
  });
  const dryRun = options.dryRun === true;
  const result = await redeployForChange(deps, change, { dryRun, publish: !dryRun });
  return {
    secretArn: secret.arn,
    name: secret.name,
    versionId: current.versionId,
    parameters,
    changedAt: change.changedAt.toISOString(),
    dryRun: result.dryRun,
    restarted: result.restarted,
    skipped: result.skipped,
    failed: result.failed,
    unaffected: result.unaffected.length,
    published: result.published,
  };
}

function printRedeploy(ctx: CliContext, r: RedeployReport): void {
  const { out } = ctx;
  out.line(`${r.dryRun ? 'dry run: ' : ''}${r.name} version ${r.versionId}, change at ${r.changedAt}`);
  out.line(`${r.restarted.length} ${r.dryRun ? 'would restart' : 'restarted'}, ${r.skipped.length} skipped, ${r.failed.length} failed`);
  for (const s of r.restarted) out.line(`  ${r.dryRun ? 'restart' : 'restarted'}  ${s.cluster}/${s.service}  ${s.reason}`);
  for (const s of r.skipped) out.line(`  skipped  ${s.cluster}/${s.service}  ${s.reason}`);
  for (const s of r.failed) out.line(`  failed   ${s.cluster}/${s.service}  ${s.reason}`);
}

/** `keyroll redeploy <secret> [--dry-run]`. */
export function addRedeployCommand(program: Command, setup: CommandSetup): void {
  program
    .command('redeploy')
    .description('force a new deployment of the ECS services that reference a secret or its parameters and do not run its current value yet')
    .argument('<secret>', 'secret name or ARN')
    .option('--dry-run', 'decide every service, restart nothing')
    .option('--changed-at <time>', `${CHANGED_AT_HELP} (default: when the secret's AWSCURRENT value was created)`, parseChangedAt)
    .option('--wait', 'wait for each restarted service\'s rollout to complete (env REDEPLOY_WAIT)')
    .option('--timeout <seconds>', 'longest wait with --wait (env REDEPLOY_WAIT_TIMEOUT_SECONDS, default 600)', parseSeconds)
    .action(async (secretId: string, options: RedeployCliOptions, command: Command) => {
      const ctx = setup.context(command);
      const report = await redeploySecret(ctx, secretId, options);
      if (ctx.out.json) ctx.out.document(report);
      else printRedeploy(ctx, report);
      setup.exit(report.failed.length > 0 ? EXIT_FAILED : EXIT_OK);
    });
}
