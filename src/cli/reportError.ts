import { CommanderError } from 'commander';
import type { CliOutput } from './createCliOutput.js';
import { ClusterNotFoundError } from '../redeploy/errors.js';
import { NotFoundError } from './errors.js';
import { EXIT_AWS, EXIT_NOT_FOUND, EXIT_OK, causeChainOf, exitCodeOf } from './exitCodeOf.js';

/** `Name: message` of an error, for a table cell or a check line. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

const isMissingCluster = (e: unknown): boolean =>
  e instanceof ClusterNotFoundError || (e instanceof Error && e.name === 'ClusterNotFoundException');

/**
 * A configured cluster (`--cluster`, ECS_CLUSTERS) that does not exist, as a read-only command
 * reports it: a NotFoundError (exit 3) saying what was not done, where redeploy's own message
 * says "nothing was restarted". The ClusterNotFoundError stays in `cause`, so the hint still
 * points at the cluster name.
 */
export function readOnlyClusterError(err: ClusterNotFoundError, consequence: string): NotFoundError {
  const names = err.clusters.map((c) => `"${c}"`).join(', ');
  const what = err.clusters.length === 1 ? `cluster ${names} does not exist` : `clusters ${names} do not exist`;
  return new NotFoundError(`${what}; ${consequence}`, { cause: err });
}

function hintFor(err: unknown, code: number, verbose: boolean): string | undefined {
  const chain = causeChainOf(err);
  const text = chain.map((e) => (e instanceof Error ? `${e.name} ${e.message}` : '')).join(' ');
  if (/region is missing/i.test(text)) return 'set --region or AWS_REGION';
  if (/CredentialsProviderError|Could not load credentials/i.test(text)) return 'configure AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role)';
  if (/No Lambda rotation function ARN/i.test(text)) return 'attach the rotation function first: keyroll enable <secret> --schedule "rate(30 days)" --function <arn>';
  if (/rotation.*(in progress|isn't complete|not complete)/i.test(text)) return 'a previous rotation left AWSPENDING behind: keyroll doctor <secret>, then keyroll doctor <secret> --fix';
  if (code === EXIT_AWS) return `check --endpoint-url (AWS_ENDPOINT_URL), --region and the AWS credentials${verbose ? '' : '; --verbose shows the full error'}`;
  if (code === EXIT_NOT_FOUND && chain.some(isMissingCluster)) {
    return 'check the cluster name (--cluster, ECS_CLUSTERS), the region and the account (aws ecs list-clusters lists them)';
  }
  if (code === EXIT_NOT_FOUND) return 'check the name or ARN, the region and the account (keyroll status lists managed secrets)';
  return undefined;
}

/**
 * Prints the error that ended a command, once, at the edge, and returns the exit code.
 * Commander's own errors were already printed by commander. Without `verbose`: the message
 * and a hint; with it: the stack and every cause (name, message, AWS request id). In `--json`
 * mode stdout also gets `{"error": {name, message, exitCode}}`, so it still holds one
 * document. All text goes through the output's redaction of known secret values.
 */
export function reportError(err: unknown, out: CliOutput, options: { verbose: boolean }): number {
  const code = exitCodeOf(err);
  if (err instanceof CommanderError) {
    if (code !== EXIT_OK && out.json) out.document({ error: { name: 'UsageError', message: err.message, exitCode: code } });
    return code;
  }
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  out.note(`keyroll: ${message}`);
  const hint = hintFor(err, code, options.verbose);
  if (hint) out.note(`hint: ${hint}`);
  if (options.verbose) {
    const chain = causeChainOf(err);
    if (err instanceof Error && err.stack) out.note(err.stack);
    for (const cause of chain.slice(1)) {
      const meta = (cause as { $metadata?: { httpStatusCode?: number; requestId?: string } }).$metadata;
      const extra = meta ? ` (HTTP ${meta.httpStatusCode ?? '?'}, request ${meta.requestId ?? '?'})` : '';
      out.note(`caused by: ${describeError(cause)}${extra}`);
      if (cause instanceof Error && cause.stack) out.note(cause.stack.split('\n').slice(1).join('\n'));
    }
  }
  if (out.json) out.document({ error: { name, message, exitCode: code } });
  return code;
}
