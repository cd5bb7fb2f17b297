import { AddTagsToResourceCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { errorCodeOf, errorText } from '../errors.js';
import type { ParameterWrite } from './diffParameters.js';
import { ParameterSyncError } from './errors.js';
import type { RateLimiter } from '../rateLimiter.js';

/**
 * The tag keyroll puts on every parameter it creates. The deployed IAM policy lets sync overwrite
 * only parameters that carry it, and create parameters only with it, so no parameter of another
 * writer can be overwritten even by a keyroll bug; which secret a parameter belongs to is its
 * Description (see mirrorPath), checked in code before every write.
 */
export const MANAGED_TAG = { Key: 'keyroll:managed', Value: 'true' } as const;

/**
 * Writes the parameters, one at a time through `limiter` (PutParameter's quota): a missing one is
 * created (no Overwrite, tagged MANAGED_TAG; a concurrent creation by anyone else fails instead of
 * being overwritten), an existing one overwritten. A parameter keyroll wrote before it tagged its
 * parameters is refused the overwrite by IAM: it is tagged (AddTagsToResource) and written again.
 * @returns the names written, in order.
 * @throws ParameterSyncError naming the parameter and what was written before it.
 */
export async function writeParameters(
  ssm: SSMClient,
  writes: readonly ParameterWrite[],
  limiter: RateLimiter,
  context: { secretArn: string; versionId: string },
): Promise<string[]> {
  const values = writes.map((w) => w.parameter.value);
  const written: string[] = [];
  for (const write of writes) {
    const { parameter: p } = write;
    const put = () =>
      ssm.send(
        new PutParameterCommand({
          Name: p.name,
          Value: p.value,
          Type: p.type,
          ...(write.keyId ? { KeyId: write.keyId } : {}),
          Description: p.description,
          ...(write.create ? { Overwrite: false, Tags: [MANAGED_TAG] } : { Overwrite: true }),
        }),
      );
    await limiter.acquire();
    try {
      try {
        await put();
      } catch (err) {
        if (write.create || errorCodeOf(err) !== 'AccessDeniedException') throw err;
        await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: p.name, Tags: [MANAGED_TAG] }));
        await limiter.acquire();
        await put();
      }
    } catch (err) {
      const done = written.length ? ` (written before the failure: ${written.join(', ')})` : ' (nothing was written)';
      const raced = errorCodeOf(err) === 'ParameterAlreadyExists' ? ': it was created by someone else meanwhile' : '';
      throw new ParameterSyncError(
        `sync: secret ${context.secretArn} version ${context.versionId}: cannot write parameter ${p.name}${raced}: ${errorText(err, values)}${done}`,
        { cause: err },
      );
    }
    written.push(p.name);
  }
  return written;
}
