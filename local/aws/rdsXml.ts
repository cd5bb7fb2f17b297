import type { XmlNode } from './types.js';
import { xmlList, xmlNode } from './xmlWriter.js';

/**
 * RDS's DBInstance and DBCluster as the emulation stores them, and their XML in the members
 * and order of the RDS API reference (the subset the endpoint knows), which
 * @aws-sdk/client-rds parses.
 */

export interface RdsMasterUserSecret {
  secretArn: string;
  secretStatus: string;
  kmsKeyId?: string;
}

interface Tagged {
  tags: Array<{ Key: string; Value: string }>;
  createdAt: Date;
  masterUserSecret?: RdsMasterUserSecret;
}

export interface RdsInstance extends Tagged {
  dbInstanceIdentifier: string;
  dbInstanceArn: string;
  dbiResourceId: string;
  dbInstanceClass: string;
  engine: string;
  engineVersion?: string;
  status: string;
  masterUsername: string;
  dbName?: string;
  endpoint: { address: string; port: number };
  dbClusterIdentifier?: string;
  isClusterWriter: boolean;
}

export interface RdsCluster extends Tagged {
  dbClusterIdentifier: string;
  dbClusterArn: string;
  dbClusterResourceId: string;
  engine: string;
  engineVersion?: string;
  status: string;
  endpoint: string;
  readerEndpoint: string;
  port: number;
  masterUsername: string;
  databaseName?: string;
}

const masterUserSecretXml = (s: RdsMasterUserSecret | undefined): XmlNode =>
  xmlNode(
    'MasterUserSecret',
    s && [xmlNode('SecretArn', s.secretArn), xmlNode('SecretStatus', s.secretStatus), xmlNode('KmsKeyId', s.kmsKeyId)],
  );

const tagListXml = (tags: Tagged['tags']): XmlNode =>
  xmlList(
    'TagList',
    'Tag',
    tags.map((t) => [xmlNode('Key', t.Key), xmlNode('Value', t.Value)]),
  );

/** A DBInstance element's members. */
export function instanceXml(i: RdsInstance): XmlNode[] {
  return [
    xmlNode('DBInstanceIdentifier', i.dbInstanceIdentifier),
    xmlNode('DBInstanceClass', i.dbInstanceClass),
    xmlNode('Engine', i.engine),
    xmlNode('DBInstanceStatus', i.status),
    xmlNode('MasterUsername', i.masterUsername),
    xmlNode('DBName', i.dbName),
    xmlNode('Endpoint', [xmlNode('Address', i.endpoint.address), xmlNode('Port', i.endpoint.port)]),
    xmlNode('InstanceCreateTime', i.createdAt),
    xmlNode('MultiAZ', false),
    xmlNode('EngineVersion', i.engineVersion),
    xmlNode('PubliclyAccessible', false),
    xmlNode('DBClusterIdentifier', i.dbClusterIdentifier),
    xmlNode('StorageEncrypted', true),
    xmlNode('DbiResourceId', i.dbiResourceId),
    xmlNode('DBInstanceArn', i.dbInstanceArn),
    xmlNode('IAMDatabaseAuthenticationEnabled', false),
    xmlNode('DeletionProtection', false),
    tagListXml(i.tags),
    masterUserSecretXml(i.masterUserSecret),
  ];
}

/** A DBCluster element's members, with its members as DBClusterMembers. */
export function clusterXml(c: RdsCluster, members: Array<{ dbInstanceIdentifier: string; isClusterWriter: boolean }>): XmlNode[] {
  return [
    xmlNode('DatabaseName', c.databaseName),
    xmlNode('DBClusterIdentifier', c.dbClusterIdentifier),
    xmlNode('Status', c.status),
    xmlNode('Endpoint', c.endpoint),
    xmlNode('ReaderEndpoint', c.readerEndpoint),
    xmlNode('MultiAZ', members.length > 1),
    xmlNode('Engine', c.engine),
    xmlNode('EngineVersion', c.engineVersion),
    xmlNode('Port', c.port),
    xmlNode('MasterUsername', c.masterUsername),
    xmlList(
      'DBClusterMembers',
      'DBClusterMember',
      members.map((m) => [
        xmlNode('DBInstanceIdentifier', m.dbInstanceIdentifier),
        xmlNode('IsClusterWriter', m.isClusterWriter),
        xmlNode('DBClusterParameterGroupStatus', 'in-sync'),
        xmlNode('PromotionTier', 1),
      ]),
    ),
    xmlNode('StorageEncrypted', true),
    xmlNode('DbClusterResourceId', c.dbClusterResourceId),
    xmlNode('DBClusterArn', c.dbClusterArn),
    xmlNode('IAMDatabaseAuthenticationEnabled', false),
    xmlNode('ClusterCreateTime', c.createdAt),
    xmlNode('DeletionProtection', false),
    tagListXml(c.tags),
    masterUserSecretXml(c.masterUserSecret),
  ];
}
