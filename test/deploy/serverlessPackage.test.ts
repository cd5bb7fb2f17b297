import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** Actions AWS allows only on Resource "*" (no resource-level permissions), each with the reason. */
const WILDCARD_ALLOWED = new Set([
  'ec2:CreateNetworkInterface', // Lambda VPC networking
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'secretsmanager:ListSecrets',
  'secretsmanager:BatchGetSecretValue',
  'ecs:ListClusters',
  'ecs:DescribeTaskDefinition',
  'ecs:ListServices', // scoped by the ecs:cluster condition instead
]);

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('serverless package --stage prod (offline, dummy credentials)', () => {
  let dir: string;
  let resources: Resources;
  const statementsOf = (role: string): Statement[] => resources[role]!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
  const allowedActions = (role: string) => new Set(statementsOf(role).flatMap(actionsOf));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyroll-package-'));
    await run(process.execPath, ['node_modules/serverless/bin/serverless.js', 'package', '--stage', 'prod', '--package', dir], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'dummy', AWS_REGION: 'us-east-1', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      timeout: 120_000,
    });
    resources = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
  }, 150_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds one bundle per function', async () => {
    for (const fn of ['rotate', 'sync', 'redeploy']) expect((await stat(join(dir, `${fn}.zip`))).size).toBeGreaterThan(0);
  });

  it('gives each function its own role', () => {
    expect(resources.RotateLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['RotateRole', 'Arn'] });
    expect(resources.SyncLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['SyncRole', 'Arn'] });
    expect(resources.RedeployLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['RedeployRole', 'Arn'] });
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it.each(['RotateRole', 'SyncRole', 'RedeployRole'])('%s uses Resource "*" only for actions AWS cannot scope', (role) => {
    const wildcards = statementsOf(role)
      .filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')))
      .flatMap(actionsOf);
    expect(wildcards.filter((a) => !WILDCARD_ALLOWED.has(a))).toEqual([]);
    expect(statementsOf(role).flatMap(actionsOf).filter((a) => a.endsWith(':*') || a === '*')).toEqual([]);
  });

  it('lets rotate touch only the secrets that name it as their rotation function, plus the master secrets', () => {
    const statements = statementsOf('RotateRole');
    const write = statements.find((s) => actionsOf(s).includes('secretsmanager:PutSecretValue'))!;
    expect(actionsOf(write).sort()).toEqual(
      [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:TagResource',
        'secretsmanager:UntagResource',
        'secretsmanager:UpdateSecretVersionStage',
      ].sort(),
    );
    expect(JSON.stringify(write.Condition)).toContain('secretsmanager:resource/AllowRotationLambdaArn');
    expect(JSON.stringify(write.Condition)).toContain('function:keyroll-prod-rotate');
    expect(allowedActions('RotateRole').has('events:PutEvents')).toBe(true);
    expect(allowedActions('RotateRole').has('ssm:PutParameter')).toBe(false);
    expect(allowedActions('RotateRole').has('ecs:UpdateService')).toBe(false);
  });

  it('lets sync read secrets, write parameters under the prefix and use KMS only through SSM and Secrets Manager', () => {
    const actions = allowedActions('SyncRole');
    for (const a of ['secretsmanager:ListSecrets', 'secretsmanager:BatchGetSecretValue', 'secretsmanager:GetSecretValue', 'ssm:GetParameters', 'ssm:PutParameter', 'kms:Encrypt', 'kms:Decrypt', 'events:PutEvents']) {
      expect(actions.has(a), a).toBe(true);
    }
    expect(actions.has('secretsmanager:PutSecretValue')).toBe(false);
    expect(actions.has('ecs:UpdateService')).toBe(false);
    const kms = statementsOf('SyncRole').find((s) => actionsOf(s).includes('kms:Decrypt'))!;
    expect(JSON.stringify(kms.Condition)).toContain('kms:ViaService');
    const ssm = statementsOf('SyncRole').find((s) => actionsOf(s).includes('ssm:PutParameter'))!;
    expect(JSON.stringify(ssm.Resource)).toContain(':parameter/');
  });

  it('lets redeploy list, describe and update ECS services and nothing of Secrets Manager beyond DescribeSecret', () => {
    const actions = allowedActions('RedeployRole');
    for (const a of ['ecs:ListClusters', 'ecs:ListServices', 'ecs:DescribeServices', 'ecs:DescribeTaskDefinition', 'ecs:UpdateService', 'events:PutEvents']) {
      expect(actions.has(a), a).toBe(true);
    }
    expect([...actions].filter((a) => a.startsWith('secretsmanager:'))).toEqual(['secretsmanager:DescribeSecret']);
    const update = statementsOf('RedeployRole').find((s) => actionsOf(s).includes('ecs:UpdateService'))!;
    expect(JSON.stringify(update.Resource)).toContain(':service/');
  });

  it('lets Secrets Manager of this account invoke the rotate function', () => {
    const permission = resources.RotateInvokePermission!.Properties;
    expect(permission.Principal).toBe('secretsmanager.amazonaws.com');
    expect(permission.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('sends events the event-driven functions failed on to a queue, and keeps logs for a bounded time', () => {
    for (const fn of ['Sync', 'Redeploy']) {
      expect(resources[`${fn}LambdaEvConf`]!.Properties.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] });
    }
    for (const fn of ['Rotate', 'Sync', 'Redeploy']) expect(resources[`${fn}LogGroup`]!.Properties.RetentionInDays).toBe(30);
  });

  it('routes the triggers: keyroll events, CloudTrail events, the schedule', () => {
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule');
    const patterns = rules.map((r) => JSON.stringify(r.Properties.EventPattern ?? r.Properties.ScheduleExpression));
    expect(patterns.some((p) => p.includes('RotationSucceeded'))).toBe(true);
    expect(patterns.some((p) => p.includes('PutSecretValue') && p.includes('UpdateSecretVersionStage'))).toBe(true);
    expect(patterns.some((p) => p.includes('Secret Synced'))).toBe(true);
    expect(patterns.some((p) => p.includes('Parameter Store Change'))).toBe(true);
    expect(patterns).toContain('"rate(1 hour)"');
  });

  it('puts the rotate function in a VPC only when subnets are given', () => {
    expect(resources.RotateLambdaFunction!.Properties.VpcConfig['Fn::If'][0]).toBe('RotateInVpc');
  });
});
