import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { errorText } from '../errors.js';
import { HEAL_STALE_PENDING, type HealStalePendingRequest } from '../events.js';
import { ParameterSyncError } from './errors.js';
import type { StalePendingOutcome } from './reconcileAll.js';

/**
 * A healer for reconcileAll that asks the rotate function (a synchronous invoke with a heal
 * request) to heal a secret's stale AWSPENDING: only rotate logs in to databases and moves
 * stages, so sync needs neither. The request names the secret only; rotate reads everything
 * again from Secrets Manager and decides from what logs in.
 */
export function healViaRotate(
  lambda: LambdaClient,
  rotateFunction: string,
): (secretArn: string, options?: { dryRun?: boolean }) => Promise<StalePendingOutcome & { versionId?: string }> {
  return async (secretArn, options = {}) => {
    const request: HealStalePendingRequest = { action: HEAL_STALE_PENDING, SecretId: secretArn, ...(options.dryRun ? { dryRun: true } : {}) };
    let out;
    try {
      out = await lambda.send(new InvokeCommand({ FunctionName: rotateFunction, InvocationType: 'RequestResponse', Payload: JSON.stringify(request) }));
    } catch (err) {
      throw new ParameterSyncError(`reconcile: secret ${secretArn}: cannot ask ${rotateFunction} to heal its stale AWSPENDING: ${errorText(err)}`, { cause: err });
    }
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    let answer: { action?: unknown; reason?: unknown; versionId?: unknown; errorType?: unknown; errorMessage?: unknown } = {};
    try {
      answer = text ? (JSON.parse(text) as typeof answer) : {};
    } catch {
      // Reported below as an answer without an action.
    }
    if (out.FunctionError) {
      const why = typeof answer.errorMessage === 'string' ? answer.errorMessage.slice(0, 400) : out.FunctionError;
      throw new ParameterSyncError(`reconcile: secret ${secretArn}: ${rotateFunction} could not heal its stale AWSPENDING: ${why}`);
    }
    if (typeof answer.action !== 'string') throw new ParameterSyncError(`reconcile: secret ${secretArn}: ${rotateFunction} answered the heal request without an action`);
    return {
      action: answer.action,
      reason: typeof answer.reason === 'string' ? answer.reason.slice(0, 400) : '',
      ...(typeof answer.versionId === 'string' ? { versionId: answer.versionId } : {}),
    };
  };
}
