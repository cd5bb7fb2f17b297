import { DescribeParametersCommand, GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { chunkList } from '../aws.js';
import { ParameterSyncError, awsErrorText } from './errors.js';

/** A parameter as Parameter Store holds it now. */
export interface CurrentParameter {
  name: string;
  type: string;
  value: string;
  /** KMS key of a SecureString, as DescribeParameters reports it; undefined when not read. */
  keyId?: string;
  description?: string;
}

// GetParameters takes at most 10 names; a DescribeParameters filter at most 50 values.
const GET_BATCH = 10;
const DESCRIBE_BATCH = 50;
const MAX_PAGES = 100;

/**
 * Reads the named parameters, decrypted (GetParameters, 10 names a call), plus the KMS key and
 * description of the SecureStrings among them (DescribeParameters, 50 names a call), which
 * GetParameters does not return. Names that do not exist are absent from the map.
 * @throws ParameterSyncError naming the secret when SSM refuses a read.
 */
export async function readParameters(
  ssm: SSMClient,
  names: readonly string[],
  secretArn: string,
): Promise<Map<string, CurrentParameter>> {
  const found = new Map<string, CurrentParameter>();
  for (const batch of chunkList(names, GET_BATCH)) {
    let out;
    try {
      out = await ssm.send(new GetParametersCommand({ Names: batch, WithDecryption: true }));
    } catch (err) {
      throw new ParameterSyncError(`sync: secret ${secretArn}: cannot read parameters ${batch.join(', ')}: ${awsErrorText(err)}`, {
        cause: err,
      });
    }
    for (const p of out.Parameters ?? []) {
      if (p.Name === undefined) continue;
      found.set(p.Name, { name: p.Name, type: p.Type ?? 'String', value: p.Value ?? '' });
    }
  }

  const secure = [...found.values()].filter((p) => p.type === 'SecureString').map((p) => p.name);
  for (const batch of chunkList(secure, DESCRIBE_BATCH)) {
    let token: string | undefined;
    let pages = 0;
    do {
      let out;
      try {
        out = await ssm.send(
          new DescribeParametersCommand({
            ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: batch }],
            MaxResults: DESCRIBE_BATCH,
            NextToken: token,
          }),
        );
      } catch (err) {
        throw new ParameterSyncError(`sync: secret ${secretArn}: cannot describe parameters ${batch.join(', ')}: ${awsErrorText(err)}`, {
          cause: err,
        });
      }
      for (const m of out.Parameters ?? []) {
        const p = m.Name === undefined ? undefined : found.get(m.Name);
        if (!p) continue;
        if (m.KeyId !== undefined) p.keyId = m.KeyId;
        if (m.Description !== undefined) p.description = m.Description;
      }
      token = out.NextToken;
      pages += 1;
    } while (token && pages < MAX_PAGES);
  }
  return found;
}
