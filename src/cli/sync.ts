import type { Command } from 'commander';
import { reconcileAll, type ReconcileReport } from '../sync/reconcileAll.js';
import { syncSecret, type SyncSecretResult } from '../sync/syncSecret.js';
import type { CommandSetup } from './commandSetup.js';
import type { CliContext } from './createCliContext.js';
import { createProgress } from './createProgress.js';
import { UsageError } from './errors.js';
import { EXIT_FAILED, EXIT_OK } from './exitCodeOf.js';
import { formatSeconds } from './formatTimestamp.js';

function printSecretResult(ctx: CliContext, result: SyncSecretResult): void {
  const { out } = ctx;
  if (result.status === 'unmanaged') {
    out.line(`${result.secretArn}: not mirrored (${result.reason})`);
    return;
  }
  if (result.status === 'superseded') {
    out.line(`${result.secretArn}: version ${result.versionId} is no longer current (${result.currentVersionId} is)`);
    return;
  }
  out.line(`${result.secretArn} version ${result.versionId}: ${result.status === 'in-sync' ? 'in sync' : 'repaired'}`);
  for (const c of result.changes) out.line(`  wrote      ${c.name}  (${c.reason})`);
  if (result.unchanged.length) out.line(`  unchanged  ${result.unchanged.length} parameter(s)`);
}

function printReport(ctx: CliContext, report: ReconcileReport): void {
  const { out } = ctx;
  for (const e of report.secrets) {
    const detail =
      e.status === 'failed' ? `: ${e.error?.message ?? 'failed'}` : e.status === 'repaired' ? `: wrote ${(e.written ?? []).join(', ')}` : '';
    out.line(`${e.status.padEnd(8)}  ${e.secretArn}${detail}`);
    if (e.stalePending) out.line(`          stale AWSPENDING on version ${e.stalePending.versionId}: ${e.stalePending.reason} (keyroll doctor --fix heals it)`);
  }
  out.line(
    `${report.secrets.length} secret(s): ${report.inSync} in sync, ${report.repaired} repaired, ${report.failed} failed` +
      `${report.deferred ? `, ${report.deferred} deferred` : ''} in ${formatSeconds(report.durationMs)}`,
  );
}

/**
 * `keyroll sync <secret> [--adopt]` mirrors one secret's AWSCURRENT into Parameter Store
 * (syncSecret; "Secret Synced" only when it wrote something); `--adopt` takes over parameters
 * keyroll did not write for this secret. `keyroll sync --all` reconciles every managed secret
 * (reconcileAll), reporting stale AWSPENDING labels without healing them (`doctor --fix` does).
 */
export function addSyncCommand(program: Command, setup: CommandSetup): void {
  program
    .command('sync')
    .description('mirror a secret into SSM Parameter Store now (only changed parameters are written), or every managed secret with --all')
    .argument('[secret]', 'secret name or ARN')
    .option('--all', 'reconcile every secret tagged keyroll:ssm-path')
    .option('--adopt', "take over the secret's parameters that exist but were not written by keyroll for it (overwritten, then keyroll's)")
    .action(async (secretId: string | undefined, options: { all?: boolean; adopt?: boolean }, command: Command) => {
      if (secretId && options.all) throw new UsageError('sync takes a secret or --all, not both');
      if (options.adopt && !secretId) throw new UsageError('--adopt takes over the parameters of one secret: name it (sync <secret> --adopt)');
      if (!secretId && !options.all) throw new UsageError('sync needs a secret (name or ARN) or --all');
      const ctx = setup.context(command);
      if (secretId) {
        const result = await syncSecret(ctx.syncDeps(), secretId, { publish: 'if-written', adopt: options.adopt === true });
        if (ctx.out.json) ctx.out.document(result);
        else printSecretResult(ctx, result);
        setup.exit(result.status === 'unmanaged' ? EXIT_FAILED : EXIT_OK);
        return;
      }
      // A spinner while the secrets are listed and read, then n/N as each one finishes.
      const progress = createProgress(ctx.out, 'reconciling managed secrets');
      let report: ReconcileReport;
      try {
        report = await reconcileAll(ctx.syncDeps(), { onSecret: (entry, done, total) => progress.update(done, total, entry.name) });
      } finally {
        progress.stop();
      }
      if (ctx.out.json) ctx.out.document(report);
      else printReport(ctx, report);
      setup.exit(report.failed > 0 ? EXIT_FAILED : EXIT_OK);
    });
}

