import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { createTestRdsClient, useTestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';

const aws = useTestAws();
let rds: RDSClient;
beforeAll(() => {
  rds = createTestRdsClient(aws.endpoint);
});

let counter = 0;
/** An RDS identifier of its own for each test (lowercase letters, digits, hyphens). */
const uniqueId = (label: string) => `${label}-${++counter}`;

const describeInstance = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];

describe('DescribeDBInstances', () => {
  it('answers a seeded instance with its identifier, ARN, engine, endpoint, master username and status', async () => {
    // Prepare
    const id = uniqueId('plain');
    aws.endpoint.rds.addInstance({ dbInstanceIdentifier: id, endpoint: { address: '127.0.0.1', port: 5433 }, masterUsername: 'admin' });

    // Act
    const instance = await describeInstance(id);

    // Assess
    expect(instance).toMatchObject({
      DBInstanceIdentifier: id,
      DBInstanceArn: `arn:aws:rds:us-east-1:000000000000:db:${id}`,
      Engine: 'postgres',
      Endpoint: { Address: '127.0.0.1', Port: 5433 },
      MasterUsername: 'admin',
      DBInstanceStatus: 'available',
    });
    expect(instance?.MasterUserSecret).toBeUndefined();
  });

  it('finds an instance by its identifier in any case and by its ARN', async () => {
    // Prepare
    const id = uniqueId('case');
    const seeded = aws.endpoint.rds.addInstance({ dbInstanceIdentifier: id.toUpperCase() });

    // Act
    const byUpperCase = await describeInstance(id.toUpperCase());
    const byArn = await describeInstance(seeded.arn);

    // Assess
    expect([seeded.identifier, byUpperCase?.DBInstanceIdentifier, byArn?.DBInstanceIdentifier]).toEqual([id, id, id]);
  });

  it('answers every instance without an identifier', async () => {
    // Prepare
    const ids = [uniqueId('all'), uniqueId('all')];
    for (const id of ids) aws.endpoint.rds.addInstance({ dbInstanceIdentifier: id });

    // Act
    const out = await rds.send(new DescribeDBInstancesCommand({}));

    // Assess
    expect(out.DBInstances?.map((i) => i.DBInstanceIdentifier)).toEqual(expect.arrayContaining(ids));
  });

  it('answers DBInstanceNotFoundFault (code DBInstanceNotFound, HTTP 404) for an unknown identifier', async () => {
    // Act
    const err = (await captureError(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'no-such-db' })))) as Error & {
      $metadata: { httpStatusCode: number };
      Code?: string;
    };

    // Assess
    expect({ name: err.name, message: err.message, status: err.$metadata.httpStatusCode }).toEqual({
      name: 'DBInstanceNotFoundFault',
      message: 'DBInstance no-such-db not found.',
      status: 404,
    });
  });

  it('answers the master user secret of an instance whose master password RDS manages', async () => {
    // Prepare
    const id = uniqueId('managed');
    const seeded = aws.endpoint.rds.addInstance({ dbInstanceIdentifier: id, manageMasterUserPassword: true });

    // Act
    const instance = await describeInstance(id);

    // Assess
    expect(instance?.MasterUserSecret).toEqual({ SecretArn: seeded.masterUserSecretArn, SecretStatus: 'active' });
  });

  it('names the cluster of a cluster member and selects members with the db-cluster-id filter', async () => {
    // Prepare
    const cluster = uniqueId('cl');
    aws.endpoint.rds.addCluster({ dbClusterIdentifier: cluster });
    aws.endpoint.rds.addInstance({ dbInstanceIdentifier: `${cluster}-a`, dbClusterIdentifier: cluster });
    aws.endpoint.rds.addInstance({ dbInstanceIdentifier: uniqueId('alone') });

    // Act
    const out = await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [cluster] }] }));

    // Assess
    expect(out.DBInstances?.map((i) => [i.DBInstanceIdentifier, i.DBClusterIdentifier, i.Engine])).toEqual([
      [`${cluster}-a`, cluster, 'aurora-postgresql'],
    ]);
  });

  it('answers InvalidParameterValue for a filter name it does not know, naming it', async () => {
    // Act
    const err = await captureError(rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'domain', Values: ['d'] }] })));

    // Assess
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toContain('domain');
  });

  it('pages with MaxRecords and Marker', async () => {
    // Prepare
    const prefix = uniqueId('page');
    for (let i = 0; i < 25; i++) aws.endpoint.rds.addInstance({ dbInstanceIdentifier: `${prefix}-${i}`, engine: prefix });
    const filter = [{ Name: 'engine', Values: [prefix] }];

    // Act
    const first = await rds.send(new DescribeDBInstancesCommand({ Filters: filter, MaxRecords: 20 }));
    const second = await rds.send(new DescribeDBInstancesCommand({ Filters: filter, MaxRecords: 20, Marker: first.Marker }));

    // Assess
    expect([first.DBInstances?.length, second.DBInstances?.length, second.Marker]).toEqual([20, 5, undefined]);
  });

  it('answers InvalidParameterValue for MaxRecords below 20', async () => {
    // Act
    const err = await captureError(rds.send(new DescribeDBInstancesCommand({ MaxRecords: 5 })));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'InvalidParameterValue',
      message: 'Invalid value 5 for MaxRecords. Must be between 20 and 100',
    });
  });

  it('logs each call as rds.DescribeDBInstances', async () => {
    // Prepare
    const before = aws.endpoint.count('rds.DescribeDBInstances');

    // Act
    await rds.send(new DescribeDBInstancesCommand({}));

    // Assess
    expect(aws.endpoint.count('rds.DescribeDBInstances')).toBe(before + 1);
  });
});

describe('DescribeDBClusters', () => {
  it('answers a cluster with its endpoints, port, master user secret and members, the writer flagged', async () => {
    // Prepare
    const id = uniqueId('aurora');
    const seeded = aws.endpoint.rds.addCluster({
      dbClusterIdentifier: id,
      endpoint: 'writer.local',
      readerEndpoint: 'reader.local',
      port: 5434,
      masterUsername: 'root',
      manageMasterUserPassword: true,
    });
    aws.endpoint.rds.addInstance({ dbInstanceIdentifier: `${id}-1`, dbClusterIdentifier: id });
    aws.endpoint.rds.addInstance({ dbInstanceIdentifier: `${id}-2`, dbClusterIdentifier: id, isClusterWriter: true });

    // Act
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));

    // Assess
    expect(out.DBClusters?.[0]).toMatchObject({
      DBClusterIdentifier: id,
      DBClusterArn: `arn:aws:rds:us-east-1:000000000000:cluster:${id}`,
      Engine: 'aurora-postgresql',
      Endpoint: 'writer.local',
      ReaderEndpoint: 'reader.local',
      Port: 5434,
      MasterUsername: 'root',
      Status: 'available',
      MasterUserSecret: { SecretArn: seeded.masterUserSecretArn, SecretStatus: 'active' },
    });
    expect(out.DBClusters?.[0]?.DBClusterMembers?.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])).toEqual([
      [`${id}-1`, false],
      [`${id}-2`, true],
    ]);
  });

  it('makes the first member the writer when none is flagged, and gives members the cluster port', async () => {
    // Prepare
    const id = uniqueId('first');
    aws.endpoint.rds.addCluster({ dbClusterIdentifier: id, port: 6000 });
    aws.endpoint.rds.addInstance({ dbInstanceIdentifier: `${id}-a`, dbClusterIdentifier: id });

    // Act
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0];
    const member = await describeInstance(`${id}-a`);

    // Assess
    expect([cluster?.DBClusterMembers?.[0]?.IsClusterWriter, member?.Endpoint?.Port]).toEqual([true, 6000]);
  });

  it('answers DBClusterNotFoundFault for an unknown identifier', async () => {
    // Act
    const err = await captureError(rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'no-such-cluster' })));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'DBClusterNotFoundFault',
      message: 'DBCluster no-such-cluster not found.',
    });
  });
});

describe('RDS over the AWS Query protocol', () => {
  const post = (body: string, service = 'rds') =>
    fetch(aws.endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: `AWS4-HMAC-SHA256 Credential=local/20260301/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body,
    });

  it('answers XML wrapped in DescribeDBInstancesResponse and DescribeDBInstancesResult with a request id', async () => {
    // Act
    const res = await post('Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=no-such-db-either&MaxRecords=20');
    const ok = await post('Action=DescribeDBInstances&Version=2014-10-31');
    const okText = await ok.text();

    // Assess
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><ErrorResponse xmlns="http:\/\/rds\.amazonaws\.com\/doc\/2014-10-31\/"><Error><Type>Sender<\/Type><Code>DBInstanceNotFound<\/Code><Message>DBInstance no-such-db-either not found\.<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    expect(ok.headers.get('content-type')).toBe('text/xml');
    expect(okText).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><DescribeDBInstancesResponse xmlns="http:\/\/rds\.amazonaws\.com\/doc\/2014-10-31\/"><DescribeDBInstancesResult><DBInstances>.*<\/DBInstances><\/DescribeDBInstancesResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DescribeDBInstancesResponse>$/,
    );
  });

  it('tells RDS apart from other Query services by the signing name of the credential scope', async () => {
    // Act
    const res = await post('Action=DescribeDBInstances&Version=2014-10-31', 'docdb');

    // Assess
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidAction</Code><Message>docdb.DescribeDBInstances is not emulated by keyroll's local endpoint</Message>");
  });
});

describe('RDS seeding', () => {
  it('refuses an identifier RDS would refuse, naming it', () => {
    // Act
    const seed = () => aws.endpoint.rds.addInstance({ dbInstanceIdentifier: '1-starts-with-a-digit' });

    // Assess
    expect(seed).toThrow('DB instance identifier "1-starts-with-a-digit" is not valid');
  });

  it('refuses an identifier already seeded', () => {
    // Prepare
    const id = uniqueId('twice');
    aws.endpoint.rds.addInstance({ dbInstanceIdentifier: id });

    // Act
    const again = () => aws.endpoint.rds.addInstance({ dbInstanceIdentifier: id });

    // Assess
    expect(again).toThrow(`DB instance ${id} is already seeded`);
  });

  it('refuses a managed master password on a cluster member, as RDS keeps it on the cluster', () => {
    // Act
    const seed = () =>
      aws.endpoint.rds.addInstance({ dbInstanceIdentifier: uniqueId('member'), dbClusterIdentifier: 'some-cluster', manageMasterUserPassword: true });

    // Assess
    expect(seed).toThrow('RDS manages a cluster\'s master password on the cluster');
  });
});
