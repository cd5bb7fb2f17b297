import { AwsApiError, type QueryOperation, type QueryParams, type QueryServiceEmulation, type ServiceContext } from './types.js';
import { readQueryStringList, readQueryStructureList } from './queryProtocol.js';
import type { SecretsManagerEmulation } from './secretsManager.js';
import { generateRandomPassword } from './secretsManagerPassword.js';
import { clusterXml, instanceXml, type RdsCluster, type RdsInstance, type RdsMasterUserSecret } from './rdsXml.js';
import { xmlList, xmlNode } from './xmlWriter.js';

/** Status of an RDS-managed master user secret, as MasterUserSecret.SecretStatus reports it. */
export type MasterUserSecretStatus = 'creating' | 'active' | 'rotating' | 'impaired';

/** The master password, when RDS manages it in Secrets Manager. */
export interface ManagedMasterPasswordSeed {
  /** The password the `rds!…` secret holds (a random one, as RDS generates, when absent). */
  password?: string;
  /** KMS key of the secret (id, ARN or alias known to the endpoint); the AWS managed key when absent. */
  kmsKeyId?: string;
  /** Default `active`. */
  secretStatus?: MasterUserSecretStatus;
}

/** A DB instance to seed with {@link RdsEmulation.addInstance}; only the identifier is required. */
export interface RdsInstanceSeed {
  /** 1..63 letters, digits or hyphens, starting with a letter; stored lowercase, as RDS stores it. */
  dbInstanceIdentifier: string;
  /** Default `postgres`; a cluster member's default is its cluster's engine. */
  engine?: string;
  engineVersion?: string;
  dbInstanceClass?: string;
  /** Where clients connect; default `<id>.c0local00000.<region>.rds.amazonaws.com:5432` (resolves nowhere). */
  endpoint?: { address: string; port: number };
  /** Default `postgres` (a cluster member's default is its cluster's). */
  masterUsername?: string;
  dbName?: string;
  /** Makes the instance a member of that cluster (seed the cluster with addCluster, before or after). */
  dbClusterIdentifier?: string;
  /** For a cluster member: the writer (default: the cluster's first member). */
  isClusterWriter?: boolean;
  /** Default `available`. */
  status?: string;
  /**
   * RDS manages the master password: the endpoint creates the `rds!db-<uuid>` secret as RDS does
   * and answers it as MasterUserSecret. Not for a cluster member (its cluster holds the secret).
   */
  manageMasterUserPassword?: boolean | ManagedMasterPasswordSeed;
  tags?: Array<{ Key: string; Value: string }>;
}

/** A DB cluster to seed with {@link RdsEmulation.addCluster}; only the identifier is required. */
export interface RdsClusterSeed {
  dbClusterIdentifier: string;
  /** Default `aurora-postgresql`. */
  engine?: string;
  engineVersion?: string;
  /** Writer endpoint; default `<id>.cluster-c0local00000.<region>.rds.amazonaws.com`. */
  endpoint?: string;
  /** Default `<id>.cluster-ro-c0local00000.<region>.rds.amazonaws.com`. */
  readerEndpoint?: string;
  /** Default 5432. */
  port?: number;
  /** Default `postgres`. */
  masterUsername?: string;
  databaseName?: string;
  /** Default `available`. */
  status?: string;
  /** RDS manages the master password: the endpoint creates the `rds!cluster-<uuid>` secret as RDS does. */
  manageMasterUserPassword?: boolean | ManagedMasterPasswordSeed;
  tags?: Array<{ Key: string; Value: string }>;
}

/** What seeding answers: the ARN, and the managed master secret's ARN when RDS manages the password. */
export interface RdsSeeded {
  identifier: string;
  arn: string;
  masterUserSecretArn?: string;
}

/**
 * RDS as the local endpoint emulates it (AWS Query, signing name `rds`, API 2014-10-31):
 * DescribeDBInstances and DescribeDBClusters over instances and clusters seeded by the
 * programmatic API below. There is no CreateDBInstance: a test or the demo seeds what it needs.
 */
export interface RdsEmulation extends QueryServiceEmulation {
  /**
   * Seeds a DB instance. With `manageMasterUserPassword` it also creates the RDS-managed master
   * secret in Secrets Manager: name `rds!db-<uuid>`, SecretString `{"username","password"}`,
   * tags `aws:rds:primaryDBInstanceArn` and `aws:secretsmanager:owningService` = `rds`,
   * OwningService `rds`, rotation every 7 days.
   * @throws Error for a malformed or taken identifier, or a managed password on a cluster member.
   */
  addInstance(seed: RdsInstanceSeed): RdsSeeded;
  /** Seeds a DB cluster; its members are the instances seeded with its identifier. @throws Error as addInstance. */
  addCluster(seed: RdsClusterSeed): RdsSeeded;
}

const IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,62}$/;
const DEFAULT_PORT = 5432;
const MASTER_SECRET_ROTATION_DAYS = 7;
// RDS leaves out of generated master passwords what PostgreSQL connection strings choke on.
const PASSWORD_EXCLUDED = '/@"\' \\';

const dbInstanceNotFound = (id: string) => new AwsApiError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
const dbClusterNotFound = (id: string) => new AwsApiError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
const invalidParameterValue = (message: string) => new AwsApiError('InvalidParameterValue', message);

/** Creates the RDS emulation; managed master secrets go to `secretsManager`. */
export function createRds(ctx: ServiceContext, deps: { secretsManager: SecretsManagerEmulation }): RdsEmulation {
  const instances = new Map<string, RdsInstance>();
  const clusters = new Map<string, RdsCluster>();
  const arnPrefix = `arn:aws:rds:${ctx.region}:${ctx.accountId}`;
  const hostSuffix = `c0local00000.${ctx.region}.rds.amazonaws.com`;
  const resourceId = (prefix: string) => `${prefix}-${crypto.randomUUID().replace(/-/g, '').slice(0, 26).toUpperCase()}`;

  const checkIdentifier = (kind: string, raw: string): string => {
    const id = raw.toLowerCase();
    if (!IDENTIFIER.test(id) || id.endsWith('-')) {
      throw new Error(
        `${kind} identifier "${raw}" is not valid: 1 to 63 letters, digits or hyphens, starting with a letter, ` +
          'not ending with a hyphen nor holding two in a row',
      );
    }
    return id;
  };

  /** Creates the managed master secret as RDS does; answers MasterUserSecret. */
  const createMasterSecret = (
    kind: 'db' | 'cluster',
    arn: string,
    username: string,
    spec: boolean | ManagedMasterPasswordSeed | undefined,
  ): RdsMasterUserSecret | undefined => {
    if (!spec) return undefined;
    const options = spec === true ? {} : spec;
    const password = options.password ?? generateRandomPassword({ passwordLength: 28, excludeCharacters: PASSWORD_EXCLUDED });
    const created = deps.secretsManager.createManagedSecret({
      name: `rds!${kind}-${crypto.randomUUID()}`,
      owningService: 'rds',
      secretString: JSON.stringify({ username, password }),
      description: `Secret associated with primary RDS DB ${kind === 'db' ? 'instance' : 'cluster'}: ${arn}`,
      ...(options.kmsKeyId !== undefined ? { kmsKeyId: options.kmsKeyId } : {}),
      tags: [{ Key: kind === 'db' ? 'aws:rds:primaryDBInstanceArn' : 'aws:rds:primaryDBClusterArn', Value: arn }],
      rotationRules: { AutomaticallyAfterDays: MASTER_SECRET_ROTATION_DAYS },
    });
    const kmsKeyArn = options.kmsKeyId !== undefined ? ctx.resolveKmsKey(options.kmsKeyId) : undefined;
    return { secretArn: created.arn, secretStatus: options.secretStatus ?? 'active', ...(kmsKeyArn ? { kmsKeyId: kmsKeyArn } : {}) };
  };

  /** An instance or cluster named by identifier (any case) or ARN. */
  const lookup = <T>(map: Map<string, T>, kind: 'db' | 'cluster', idOrArn: string): T | undefined => {
    const prefix = `${arnPrefix}:${kind}:`;
    const id = idOrArn.startsWith('arn:') ? (idOrArn.startsWith(prefix) ? idOrArn.slice(prefix.length) : '') : idOrArn;
    return map.get(id.toLowerCase());
  };

  const membersOf = (clusterId: string) => {
    const members = [...instances.values()].filter((i) => i.dbClusterIdentifier === clusterId);
    const explicitWriter = members.find((m) => m.isClusterWriter);
    return members.map((m, index) => ({
      dbInstanceIdentifier: m.dbInstanceIdentifier,
      isClusterWriter: explicitWriter ? m === explicitWriter : index === 0,
    }));
  };

  // ---------------------------------------------------------------------------------------
  // Request members shared by both operations

  /** MaxRecords 20..100 (default 100) and the opaque Marker of a previous page. */
  const readPage = (params: QueryParams) => {
    const rawMax = params.get('MaxRecords');
    const max = rawMax === undefined ? 100 : Number(rawMax);
    if (!Number.isInteger(max) || max < 20 || max > 100) {
      throw invalidParameterValue(`Invalid value ${rawMax} for MaxRecords. Must be between 20 and 100`);
    }
    const marker = params.get('Marker');
    let offset = 0;
    if (marker !== undefined) {
      const m = /^o(\d+)$/.exec(Buffer.from(marker, 'base64url').toString('utf8'));
      if (!m) throw invalidParameterValue(`The marker ${marker.slice(0, 100)} is not valid.`);
      offset = Number(m[1]);
    }
    return { max, offset };
  };

  const pageOf = <T>(items: T[], page: { max: number; offset: number }) => {
    const end = page.offset + page.max;
    return { items: items.slice(page.offset, end), marker: end < items.length ? Buffer.from(`o${end}`).toString('base64url') : undefined };
  };

  /** `Filters`, of which the endpoint knows the names listed in `allowed`. */
  const readFilters = (params: QueryParams, allowed: readonly string[]) =>
    readQueryStructureList(params, 'Filters.Filter').map((f) => {
      const name = f.get('Name');
      const values = readQueryStringList(f, 'Values.Value');
      if (name === undefined) throw new AwsApiError('MissingParameter', 'The request must contain the parameter Filters.Filter.N.Name.');
      if (!allowed.includes(name)) {
        throw invalidParameterValue(`Unrecognized filter name: ${name}. keyroll's local endpoint knows ${allowed.join(', ')}.`);
      }
      if (values.length === 0) throw invalidParameterValue(`The filter ${name} must have at least one value.`);
      return { name, values };
    });

  /** A filter value naming an instance or cluster, by identifier or ARN. */
  const names = (value: string, kind: 'db' | 'cluster', id: string) =>
    value.toLowerCase() === id || value === `${arnPrefix}:${kind}:${id}`;

  const operations: Record<string, QueryOperation> = {
    DescribeDBInstances(params) {
      const id = params.get('DBInstanceIdentifier');
      const filters = readFilters(params, ['db-cluster-id', 'db-instance-id', 'dbi-resource-id', 'engine']);
      const page = readPage(params);
      let selected: RdsInstance[];
      if (id !== undefined) {
        const found = lookup(instances, 'db', id);
        if (!found) throw dbInstanceNotFound(id);
        selected = [found];
      } else {
        selected = [...instances.values()];
      }
      selected = selected.filter((i) =>
        filters.every((f) =>
          f.values.some((v) =>
            f.name === 'db-cluster-id'
              ? i.dbClusterIdentifier !== undefined && names(v, 'cluster', i.dbClusterIdentifier)
              : f.name === 'db-instance-id'
                ? names(v, 'db', i.dbInstanceIdentifier)
                : f.name === 'dbi-resource-id'
                  ? v === i.dbiResourceId
                  : v === i.engine,
          ),
        ),
      );
      const { items, marker } = pageOf(selected, page);
      return [
        xmlList(
          'DBInstances',
          'DBInstance',
          items.map((i) => instanceXml(i)),
        ),
        xmlNode('Marker', marker),
      ];
    },

    DescribeDBClusters(params) {
      const id = params.get('DBClusterIdentifier');
      const filters = readFilters(params, ['db-cluster-id', 'engine']);
      const page = readPage(params);
      let selected: RdsCluster[];
      if (id !== undefined) {
        const found = lookup(clusters, 'cluster', id);
        if (!found) throw dbClusterNotFound(id);
        selected = [found];
      } else {
        selected = [...clusters.values()];
      }
      selected = selected.filter((c) =>
        filters.every((f) => f.values.some((v) => (f.name === 'db-cluster-id' ? names(v, 'cluster', c.dbClusterIdentifier) : v === c.engine))),
      );
      const { items, marker } = pageOf(selected, page);
      return [
        xmlList(
          'DBClusters',
          'DBCluster',
          items.map((c) => clusterXml(c, membersOf(c.dbClusterIdentifier))),
        ),
        xmlNode('Marker', marker),
      ];
    },
  };

  return {
    name: 'rds',
    apiVersion: '2014-10-31',
    xmlNamespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
    operations,

    addInstance(seed) {
      const id = checkIdentifier('DB instance', seed.dbInstanceIdentifier);
      if (instances.has(id)) throw new Error(`DB instance ${id} is already seeded on the local endpoint`);
      const clusterId = seed.dbClusterIdentifier !== undefined ? checkIdentifier('DB cluster', seed.dbClusterIdentifier) : undefined;
      if (clusterId !== undefined && seed.manageMasterUserPassword) {
        throw new Error(`DB instance ${id} is a member of cluster ${clusterId}: RDS manages a cluster's master password on the cluster`);
      }
      const cluster = clusterId !== undefined ? clusters.get(clusterId) : undefined;
      const arn = `${arnPrefix}:db:${id}`;
      const masterUsername = seed.masterUsername ?? cluster?.masterUsername ?? 'postgres';
      const masterUserSecret = createMasterSecret('db', arn, masterUsername, seed.manageMasterUserPassword);
      const instance: RdsInstance = {
        dbInstanceIdentifier: id,
        dbInstanceArn: arn,
        dbiResourceId: resourceId('db'),
        dbInstanceClass: seed.dbInstanceClass ?? 'db.t4g.medium',
        engine: seed.engine ?? cluster?.engine ?? (clusterId !== undefined ? 'aurora-postgresql' : 'postgres'),
        ...(seed.engineVersion !== undefined ? { engineVersion: seed.engineVersion } : {}),
        status: seed.status ?? 'available',
        masterUsername,
        ...(seed.dbName !== undefined ? { dbName: seed.dbName } : {}),
        endpoint: seed.endpoint ?? { address: `${id}.${hostSuffix}`, port: cluster?.port ?? DEFAULT_PORT },
        ...(clusterId !== undefined ? { dbClusterIdentifier: clusterId } : {}),
        isClusterWriter: seed.isClusterWriter ?? false,
        createdAt: ctx.now(),
        tags: seed.tags ?? [],
        ...(masterUserSecret ? { masterUserSecret } : {}),
      };
      instances.set(id, instance);
      return { identifier: id, arn, ...(masterUserSecret ? { masterUserSecretArn: masterUserSecret.secretArn } : {}) };
    },

    addCluster(seed) {
      const id = checkIdentifier('DB cluster', seed.dbClusterIdentifier);
      if (clusters.has(id)) throw new Error(`DB cluster ${id} is already seeded on the local endpoint`);
      const arn = `${arnPrefix}:cluster:${id}`;
      const masterUsername = seed.masterUsername ?? 'postgres';
      const masterUserSecret = createMasterSecret('cluster', arn, masterUsername, seed.manageMasterUserPassword);
      const cluster: RdsCluster = {
        dbClusterIdentifier: id,
        dbClusterArn: arn,
        dbClusterResourceId: resourceId('cluster'),
        engine: seed.engine ?? 'aurora-postgresql',
        ...(seed.engineVersion !== undefined ? { engineVersion: seed.engineVersion } : {}),
        status: seed.status ?? 'available',
        endpoint: seed.endpoint ?? `${id}.cluster-${hostSuffix}`,
        readerEndpoint: seed.readerEndpoint ?? `${id}.cluster-ro-${hostSuffix}`,
        port: seed.port ?? DEFAULT_PORT,
        masterUsername,
        ...(seed.databaseName !== undefined ? { databaseName: seed.databaseName } : {}),
        createdAt: ctx.now(),
        tags: seed.tags ?? [],
        ...(masterUserSecret ? { masterUserSecret } : {}),
      };
      clusters.set(id, cluster);
      return { identifier: id, arn, ...(masterUserSecret ? { masterUserSecretArn: masterUserSecret.secretArn } : {}) };
    },
  };
}
