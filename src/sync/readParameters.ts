import { paginateDescribeParameters, GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { chunkList } from '../aws.js';
import { clipList, errorText } from '../errors.js';
import { ParameterSyncError } from './errors.js';

/** A parameter as Parameter Store holds it now. */
export interface CurrentParameter {
  name: string;
  type: string;
  value: string;
  /** KMS key of a SecureString, as DescribeParameters reports it. */
  keyId?: string;
  /** Who wrote it, as far as its Description says (see mirrorPath.originOf). */
  description?: string;
}

// GetParameters takes at most 10 names; a DescribeParameters filter at most 50 values.
export const GET_BATCH = 10;
export const DESCRIBE_BATCH = 50;
const MAX_PAGES = 10;

/**
 * Reads the named parameters, of any number of secrets at once: values decrypted (GetParameters,
 * 10 names a call) and, for every one found, the KMS key and Description (DescribeParameters, 50
 * names a call), which GetParameters does not return and ownership needs. Names that do not
 * exist are absent from the map.
 * @throws ParameterSyncError naming (some of) the parameters when SSM refuses a read.
 */
export async function readParameters(ssm: SSMClient, names: readonly string[]): Promise<Map<string, CurrentParameter>> {
  const found = new Map<string, CurrentParameter>();
  for (const batch of chunkList([...new Set(names)], GET_BATCH)) {
    let out;
    try {
      out = await ssm.send(new GetParametersCommand({ Names: batch, WithDecryption: true }));
    } catch (err) {
      throw new ParameterSyncError(`sync: cannot read parameters ${clipList(batch, 3)}: ${errorText(err)}`, { cause: err });
    }
    for (const p of out.Parameters ?? []) {
      if (p.Name !== undefined) found.set(p.Name, { name: p.Name, type: p.Type ?? 'String', value: p.Value ?? '' });
    }
  }
  for (const batch of chunkList([...found.keys()], DESCRIBE_BATCH)) {
    try {
      const pages = paginateDescribeParameters(
        { client: ssm, pageSize: DESCRIBE_BATCH },
        { ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: batch }] },
      );
      let n = 0;
      for await (const page of pages) {
        for (const m of page.Parameters ?? []) {
          const p = m.Name === undefined ? undefined : found.get(m.Name);
          if (!p) continue;
          if (m.KeyId !== undefined) p.keyId = m.KeyId;
          if (m.Description !== undefined) p.description = m.Description;
        }
        if (++n >= MAX_PAGES) break;
      }
    } catch (err) {
      throw new ParameterSyncError(`sync: cannot describe parameters ${clipList(batch, 3)}: ${errorText(err)}`, { cause: err });
    }
  }
  return found;
}
