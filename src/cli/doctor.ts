import type { Command } from 'commander';
import type { CommandSetup } from './commandSetup.js';
import type { CliContext } from './createCliContext.js';
import { EXIT_FAILED, EXIT_OK } from './exitCodeOf.js';
import { renderTable } from './renderTable.js';
import { runDoctorChecks, type DoctorCheck, type DoctorOptions, type DoctorReport } from './runDoctorChecks.js';

function printDoctor(ctx: CliContext, report: DoctorReport): void {
  const { out } = ctx;
  out.line(`doctor ${report.name}${report.name !== report.secretArn ? ` (${report.secretArn})` : ''}`);
  const lines = renderTable<DoctorCheck>(
    [
      { heading: 'RESULT', cell: (c) => c.status.toUpperCase() },
      { heading: 'CHECK', cell: (c) => c.name },
      { heading: 'DETAIL', cell: (c) => c.message },
    ],
    report.checks,
  );
  lines.forEach((line, i) => {
    out.line(line);
    const hint = i > 0 ? report.checks[i - 1]?.hint : undefined;
    if (hint) out.line(`      fix: ${hint}`);
  });
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  out.line(failed ? `${failed} check(s) failed` : 'all checks passed');
}

/** `keyroll doctor <secret> [--fix]`: preflight checks, exit 1 when one fails. */
export function addDoctorCommand(program: Command, setup: CommandSetup): void {
  program
    .command('doctor')
    .description(
      'preflight checks for one secret: the value parses, Secrets Manager/SSM/ECS answer, AWSCURRENT logs in with its TLS mode, the master may manage the roles, no stale AWSPENDING',
    )
    .argument('<secret>', 'secret name or ARN')
    .option('--fix', 'heal a stale AWSPENDING: finish the rotation if only the pending password works, else remove the label')
    .option('--force', 'with --fix: also heal an AWSPENDING younger than an hour (only when no rotation is running)')
    .action(async (secretId: string, options: DoctorOptions, command: Command) => {
      const ctx = setup.context(command);
      const report = await runDoctorChecks(ctx, secretId, options);
      if (ctx.out.json) ctx.out.document(report);
      else printDoctor(ctx, report);
      setup.exit(report.ok ? EXIT_OK : EXIT_FAILED);
    });
}
