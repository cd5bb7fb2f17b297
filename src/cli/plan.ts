import type { Command } from 'commander';
import { ClusterNotFoundError } from '../redeploy/errors.js';
import { redeployForChange, type ServiceOutcome } from '../redeploy/redeployForChange.js';
import { asksToBeMirrored, TAG_SSM_PATH } from '../tags.js';
import { planSync, type SyncPlan } from '../sync/planSync.js';
import { changeOfSecret } from './changeOfSecret.js';
import type { CommandSetup } from './commandSetup.js';
import type { CliContext } from './createCliContext.js';
import { EXIT_FAILED, EXIT_OK } from './exitCodeOf.js';
import { loadSecret, sourceOf } from './loadSecret.js';
import { CHANGED_AT_HELP, parseChangedAt } from './parseChangedAt.js';
import { describeError, readOnlyClusterError } from './reportError.js';

/** What `keyroll plan` found: what a sync and a redeploy would do now. Names and reasons only. */
export interface PlanReport {
  secretArn: string;
  name: string;
  versionId: string;
  parameters:
    | ({ status: 'in-sync' | 'would-write' } & SyncPlan)
    | { status: 'not-mirrored'; reason: string }
    | { status: 'error'; error: string };
  /** The change time services are decided against (a deployment started after it already runs the value). */
  changedAt: string;
  services: { restart: ServiceOutcome[]; skip: ServiceOutcome[]; fail: ServiceOutcome[] };
}

/**
 * Dry run of the pipeline for one secret, from its AWSCURRENT: the parameters a sync would
 * write and why (planSync: nothing written), then the services a redeploy would
 * restart, skip or fail to roll (redeployForChange with dryRun, nothing published). When the
 * sync would write, the change is "now" (it would happen now); otherwise it is when the
 * AWSCURRENT value was created, as the redeploy function treats a sync that wrote nothing.
 * @throws NotFoundError for a secret or a configured cluster that does not exist;
 *   RedeployInputError when the secret's versions cannot be listed; SDK and discovery errors.
 */
export async function planSecret(ctx: CliContext, secretId: string, options: { changedAt?: Date } = {}): Promise<PlanReport> {
  const secret = await loadSecret({ secretsManager: ctx.secretsManager(), out: ctx.out }, secretId, { withValue: true });
  const current = secret.current!;
  const tags = secret.meta.Tags ?? [];
  let parameters: PlanReport['parameters'];
  if (!asksToBeMirrored(tags)) {
    parameters = { status: 'not-mirrored', reason: `no "${TAG_SSM_PATH}" tag` };
  } else {
    try {
      const sync = await planSync(ctx.syncDeps(), sourceOf(secret));
      parameters = { status: sync.changes.length ? 'would-write' : 'in-sync', ...sync };
    } catch (err) {
      parameters = { status: 'error', error: describeError(err) };
    }
  }
  const changedAt = options.changedAt ?? (parameters.status === 'would-write' ? new Date() : undefined);
  const change = await changeOfSecret(
    { secretsManager: ctx.secretsManager() },
    {
      secretArn: secret.arn,
      name: secret.name,
      versionId: current.versionId,
      parameterNames: 'parameters' in parameters ? parameters.parameters : [],
      ...(changedAt ? { changedAt } : {}),
    },
  );
  let result;
  try {
    result = await redeployForChange(ctx.redeployDeps(), change, { dryRun: true, publish: false });
  } catch (err) {
    throw err instanceof ClusterNotFoundError ? readOnlyClusterError(err, 'nothing was planned') : err;
  }
  return {
    secretArn: secret.arn,
    name: secret.name,
    versionId: current.versionId,
    parameters,
    changedAt: change.changedAt.toISOString(),
    services: { restart: result.restarted, skip: result.skipped, fail: result.failed },
  };
}

function printPlan(ctx: CliContext, plan: PlanReport): void {
  const { out } = ctx;
  out.line(`secret ${plan.name} (${plan.secretArn})`);
  out.line(`AWSCURRENT version ${plan.versionId}`);
  out.line();
  const p = plan.parameters;
  if (p.status === 'not-mirrored') out.line(`parameters: not mirrored (${p.reason})`);
  else if (p.status === 'error') out.line(`parameters: sync would fail: ${p.error}`);
  else {
    out.line(`parameters under ${p.path}: ${p.changes.length} would change, ${p.unchanged.length} unchanged`);
    for (const c of p.changes) out.line(`  write  ${c.name}  (${c.reason})`);
  }
  out.line();
  const { restart, skip, fail } = plan.services;
  out.line(`services (change at ${plan.changedAt}): ${restart.length} would restart, ${skip.length} skipped, ${fail.length} cannot be rolled`);
  for (const s of restart) out.line(`  restart  ${s.cluster}/${s.service}  ${s.reason}`);
  for (const s of skip) out.line(`  skip     ${s.cluster}/${s.service}  ${s.reason}`);
  for (const s of fail) out.line(`  fail     ${s.cluster}/${s.service}  ${s.reason}`);
}

/** `keyroll plan <secret>`: what a sync and redeploy would do, without doing it. */
export function addPlanCommand(program: Command, setup: CommandSetup): void {
  program
    .command('plan')
    .description('dry run for one secret: the parameters a sync would write (and why), the services a redeploy would restart or skip (and why)')
    .argument('<secret>', 'secret name or ARN')
    .option('--changed-at <time>', `${CHANGED_AT_HELP}; default: now when parameters would be written, else when the AWSCURRENT value was created`, parseChangedAt)
    .action(async (secretId: string, options: { changedAt?: Date }, command: Command) => {
      const ctx = setup.context(command);
      const plan = await planSecret(ctx, secretId, options);
      if (ctx.out.json) ctx.out.document(plan);
      else printPlan(ctx, plan);
      setup.exit(plan.parameters.status === 'error' || plan.services.fail.length > 0 ? EXIT_FAILED : EXIT_OK);
    });
}
