import type { Tag } from '@aws-sdk/client-secrets-manager';
import { errorText } from '../errors.js';
import type { RotationDeps } from './deps.js';
import { RotationConfigError, RotationStateError } from './errors.js';

/** Where a database instance or cluster answers. */
export interface DbEndpoint {
  host: string;
  port: number;
  /** The instance or cluster it was read from, for messages. */
  source: string;
}

const INSTANCE_TAG = 'aws:rds:primarydbinstancearn';
const CLUSTER_TAG = 'aws:rds:primarydbclusterarn';

/**
 * The endpoint of the database an RDS-managed master secret belongs to (its SecretString is only
 * `{username, password}`: RDS keeps the host): the instance or cluster named by the secret's
 * `aws:rds:primaryDBInstanceArn` / `aws:rds:primaryDBClusterArn` tag (as RDS writes them, read
 * without regard to case, as AWS's multi-user template does), else by the `dbInstanceIdentifier` /
 * `dbClusterIdentifier` keys of its value; then DescribeDBInstances or DescribeDBClusters.
 * @throws RotationConfigError when nothing names a database; RotationStateError when RDS cannot be read.
 */
export async function rdsEndpointOfMaster(
  deps: Pick<RotationDeps, 'rds'>,
  context: { step: string; secretArn: string; masterArn: string },
  tags: readonly Tag[] | undefined,
  value: Record<string, unknown>,
): Promise<DbEndpoint> {
  const tag = (key: string) => tags?.find((t) => t.Key?.toLowerCase() === key)?.Value;
  const instance = tag(INSTANCE_TAG) ?? (typeof value.dbInstanceIdentifier === 'string' ? value.dbInstanceIdentifier : undefined);
  const cluster = instance ? undefined : (tag(CLUSTER_TAG) ?? (typeof value.dbClusterIdentifier === 'string' ? value.dbClusterIdentifier : undefined));
  const where = `${context.step}: secret ${context.secretArn}: master secret ${context.masterArn}`;
  if (!instance && !cluster) {
    throw new RotationConfigError(
      `${where} names no host, and no RDS instance or cluster (tag aws:rds:primaryDBInstanceArn / aws:rds:primaryDBClusterArn, or dbInstanceIdentifier / dbClusterIdentifier), so keyroll cannot tell which database it serves`,
    );
  }
  if (!deps.rds) throw new RotationStateError(`${where} is managed by RDS, and this function has no RDS client to find its endpoint`);
  const rds = await deps.rds();
  const { DescribeDBClustersCommand, DescribeDBInstancesCommand } = await import('@aws-sdk/client-rds');
  try {
    if (instance) {
      const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }));
      const db = out.DBInstances?.[0];
      if (!db?.Endpoint?.Address || db.Endpoint.Port === undefined) throw new RotationConfigError(`${where}: RDS instance ${instance} has no endpoint yet (status ${db?.DBInstanceStatus ?? 'unknown'})`);
      return { host: db.Endpoint.Address, port: db.Endpoint.Port, source: `RDS instance ${instance}` };
    }
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: cluster }));
    const db = out.DBClusters?.[0];
    if (!db?.Endpoint || db.Port === undefined) throw new RotationConfigError(`${where}: RDS cluster ${cluster} has no endpoint yet (status ${db?.Status ?? 'unknown'})`);
    return { host: db.Endpoint, port: db.Port, source: `RDS cluster ${cluster}` };
  } catch (err) {
    if (err instanceof RotationConfigError) throw err;
    throw new RotationStateError(`${where}: cannot read the endpoint of RDS ${instance ? `instance ${instance}` : `cluster ${cluster}`}: ${errorText(err)}`, { cause: err });
  }
}
