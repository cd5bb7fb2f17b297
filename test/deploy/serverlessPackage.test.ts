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
type Resources = Record<string, { Type: string; Condition?: string; Properties: Record<string, any> }>;
interface Template {
  Resources: Resources;
  Conditions?: Record<string, unknown>;
}

/** Runs `serverless package --stage prod` offline (dummy credentials) into `dir`, with extra CLI arguments. */
async function packageStack(dir: string, args: string[] = []): Promise<Template> {
  await run(process.execPath, ['node_modules/serverless/bin/serverless.js', 'package', '--stage', 'prod', '--package', dir, ...args], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'dummy', AWS_REGION: 'us-east-1', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    timeout: 120_000,
  });
  return JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

const statementsIn = (resources: Resources, role: string): Statement[] =>
  resources[role]!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);

/** Actions AWS allows only on Resource "*" (no resource-level permissions), each with the reason. */
const WILDCARD_ALLOWED = new Set([
  'ec2:CreateNetworkInterface', // Lambda VPC networking
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'secretsmanager:ListSecrets',
  'secretsmanager:BatchGetSecretValue', // authorises GetSecretValue per secret as well
  'ssm:DescribeParameters', // returns metadata only
  'ecs:ListClusters',
  'ecs:DescribeTaskDefinition',
  'ecs:ListServices', // scoped by the ecs:cluster condition instead
]);

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const VPC_NETWORKING = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];
/** A secret's value is encrypted with a KMS key that Secrets Manager (or SSM) uses on the caller's behalf. */
const SECRET_KMS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * Every action each role holds: the SDK commands its function's code sends (src/rotation for
 * rotate; src/sync for sync and reconcile, which ask rotate to heal; src/redeploy for redeploy),
 * what AWS needs behind them (KMS, Lambda's logs, VPC networking for rotate, the only function
 * that logs in to databases), and the failure queue of the event-driven functions. Nothing more.
 */
const ROLE_ACTIONS: Record<string, string[]> = {
  RotateRole: [
    ...LOGS,
    ...VPC_NETWORKING,
    ...SECRET_KMS,
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:UpdateSecretVersionStage',
    'secretsmanager:TagResource',
    'secretsmanager:UntagResource',
    'rds:DescribeDBInstances',
    'rds:DescribeDBClusters',
    'events:PutEvents',
  ],
  SyncRole: [
    ...LOGS,
    ...SECRET_KMS,
    'kms:Encrypt',
    'secretsmanager:ListSecrets',
    'secretsmanager:BatchGetSecretValue',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'ssm:GetParameters',
    'ssm:DescribeParameters',
    'ssm:PutParameter',
    'ssm:AddTagsToResource',
    'events:PutEvents',
    'lambda:InvokeFunction',
    'sqs:SendMessage',
  ],
  RedeployRole: [
    ...LOGS,
    'ecs:ListClusters',
    'ecs:DescribeClusters',
    'ecs:ListServices',
    'ecs:DescribeServices',
    'ecs:DescribeTaskDefinition',
    'ecs:UpdateService',
    'secretsmanager:DescribeSecret',
    'secretsmanager:ListSecretVersionIds',
    'ssm:DescribeParameters',
    'events:PutEvents',
    'sqs:SendMessage',
  ],
};

describe('serverless package --stage prod (offline, dummy credentials)', () => {
  let dir: string;
  let template: Template;
  let resources: Resources;
  const statementsOf = (role: string): Statement[] => statementsIn(resources, role);
  const allowedActions = (role: string) => new Set(statementsOf(role).filter((s) => s.Effect === 'Allow').flatMap(actionsOf));
  const statementsWith = (role: string, action: string) => statementsOf(role).filter((s) => actionsOf(s).includes(action));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyroll-package-'));
    template = await packageStack(dir);
    resources = template.Resources;
  }, 150_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds one bundle per function', async () => {
    for (const fn of ['rotate', 'sync', 'reconcile', 'redeploy']) expect((await stat(join(dir, `${fn}.zip`))).size).toBeGreaterThan(0);
  });

  it('gives each function its own role', () => {
    expect(resources.RotateLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['RotateRole', 'Arn'] });
    expect(resources.SyncLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['SyncRole', 'Arn'] });
    expect(resources.ReconcileLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['SyncRole', 'Arn'] });
    expect(resources.RedeployLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['RedeployRole', 'Arn'] });
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it.each(Object.entries(ROLE_ACTIONS))('%s holds exactly the actions its function needs', (role, expected) => {
    expect([...allowedActions(role)].sort()).toEqual([...expected].sort());
  });

  it.each(['RotateRole', 'SyncRole', 'RedeployRole'])('%s uses Resource "*" only for actions AWS cannot scope', (role) => {
    const wildcards = statementsOf(role)
      .filter((s) => s.Effect === 'Allow' && (s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*'))))
      .flatMap(actionsOf);
    expect(wildcards.filter((a) => !WILDCARD_ALLOWED.has(a))).toEqual([]);
    expect(statementsOf(role).flatMap(actionsOf).filter((a) => a.endsWith(':*') || a === '*')).toEqual([]);
  });

  it('lets rotate touch only the secrets that name it as their rotation function', () => {
    const write = statementsWith('RotateRole', 'secretsmanager:PutSecretValue');
    expect(write).toHaveLength(1);
    expect(actionsOf(write[0]!).sort()).toEqual(
      [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ].sort(),
    );
    expect(write[0]!.Condition).toEqual({
      StringEquals: {
        'secretsmanager:resource/AllowRotationLambdaArn': { 'Fn::Sub': 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:keyroll-prod-rotate' },
      },
    });
  });

  it('lets rotate read as a master only the secrets tagged keyroll:master=true', () => {
    const reads = statementsWith('RotateRole', 'secretsmanager:GetSecretValue').filter((s) => !actionsOf(s).includes('secretsmanager:PutSecretValue'));
    expect(reads).toHaveLength(1);
    expect(actionsOf(reads[0]!)).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    expect(reads[0]!.Resource).toEqual({ 'Fn::Sub': 'arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*' });
    expect(reads[0]!.Condition).toEqual({ StringEquals: { 'secretsmanager:ResourceTag/keyroll:master': 'true' } });
  });

  it('lets rotate read the endpoints of RDS instances and clusters of this account and Region only', () => {
    const rds = statementsWith('RotateRole', 'rds:DescribeDBInstances');
    expect(rds.map((s) => s.Resource)).toEqual([
      [{ 'Fn::Sub': 'arn:aws:rds:${AWS::Region}:${AWS::AccountId}:db:*' }, { 'Fn::Sub': 'arn:aws:rds:${AWS::Region}:${AWS::AccountId}:cluster:*' }],
    ]);
  });

  it('lets rotate use KMS keys only through Secrets Manager', () => {
    const kms = statementsWith('RotateRole', 'kms:Decrypt');
    expect(kms).toHaveLength(1);
    expect(actionsOf(kms[0]!).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(kms[0]!.Resource).toEqual({ 'Fn::Sub': 'arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/*' });
    expect(kms[0]!.Condition).toEqual({ StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } } });
  });

  it('lets sync read the value only of secrets tagged keyroll:ssm-path, and never of a master', () => {
    const statements = statementsWith('SyncRole', 'secretsmanager:GetSecretValue');
    expect(statements.map((s) => [s.Effect, s.Condition])).toEqual([
      ['Allow', { Null: { 'secretsmanager:ResourceTag/keyroll:ssm-path': 'false' } }],
      ['Deny', { StringEquals: { 'secretsmanager:ResourceTag/keyroll:master': 'true' } }],
    ]);
  });

  it('gives sync no stage move, no VPC and no database access: only rotate logs in and moves stages', () => {
    expect(allowedActions('SyncRole').has('secretsmanager:UpdateSecretVersionStage')).toBe(false);
    expect([...allowedActions('SyncRole')].filter((a) => a.startsWith('ec2:'))).toEqual([]);
    for (const fn of ['SyncLambdaFunction', 'ReconcileLambdaFunction']) {
      const props = resources[fn]!.Properties;
      expect(props.VpcConfig).toBeUndefined();
      expect(Object.keys(props.Environment.Variables)).not.toContain('DB_CA_BUNDLE');
    }
    const invoke = statementsWith('SyncRole', 'lambda:InvokeFunction');
    expect(invoke.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': ['RotateLambdaFunction', 'Arn'] }]);
  });

  it('grants PutParameter on no parameter keyroll did not create: overwrites need the keyroll:managed tag, creations must carry it', () => {
    const puts = statementsWith('SyncRole', 'ssm:PutParameter');
    expect(puts.map((s) => s.Condition)).toEqual([
      { StringEquals: { 'ssm:resourceTag/keyroll:managed': 'true' } },
      { StringEquals: { 'aws:RequestTag/keyroll:managed': 'true' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['keyroll:managed'] } },
    ]);
  });

  it('lets sync describe any secret, so that a change to an unmanaged one is skipped rather than refused', () => {
    const describes = statementsWith('SyncRole', 'secretsmanager:DescribeSecret');
    expect(describes.map(actionsOf)).toEqual([['secretsmanager:DescribeSecret']]);
    expect(describes[0]!.Condition).toBeUndefined();
  });

  it('lets sync read and write parameters only under the prefix and use KMS only through SSM and Secrets Manager', () => {
    const kms = statementsWith('SyncRole', 'kms:Decrypt')[0]!;
    expect(JSON.stringify(kms.Condition)).toContain('kms:ViaService');
    for (const action of ['ssm:GetParameters', 'ssm:PutParameter']) {
      expect(statementsWith('SyncRole', action)[0]!.Resource).toEqual({ 'Fn::Sub': 'arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/*' });
    }
  });

  it('lets redeploy list, describe and update ECS services of any cluster by default', () => {
    const list = statementsWith('RedeployRole', 'ecs:ListServices')[0]!;
    expect(list.Condition).toEqual({ ArnLike: { 'ecs:cluster': { 'Fn::Sub': 'arn:aws:ecs:${AWS::Region}:${AWS::AccountId}:cluster/*' } } });
    const update = statementsWith('RedeployRole', 'ecs:UpdateService')[0]!;
    expect(actionsOf(update).sort()).toEqual(['ecs:DescribeServices', 'ecs:UpdateService']);
    expect(update.Resource).toEqual({ 'Fn::Sub': 'arn:aws:ecs:${AWS::Region}:${AWS::AccountId}:service/*/*' });
  });

  it('exports the unversioned rotate function ARN for RotationSchedule resources', async () => {
    const outputs = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')).Outputs;
    expect(outputs.RotateFunctionArn).toEqual({ Value: { 'Fn::GetAtt': ['RotateLambdaFunction', 'Arn'] }, Export: { Name: 'keyroll-prod-rotate-arn' } });
  });

  it('lets Secrets Manager of this account invoke the rotate function', () => {
    const permission = resources.RotateInvokePermission!.Properties;
    expect(permission.Principal).toBe('secretsmanager.amazonaws.com');
    expect(permission.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('sends events the event-driven functions failed on to a queue, and keeps logs for a bounded time', () => {
    for (const fn of ['Sync', 'Reconcile', 'Redeploy']) {
      expect(resources[`${fn}LambdaEvConf`]!.Properties.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] });
    }
    for (const fn of ['Rotate', 'Sync', 'Reconcile', 'Redeploy']) expect(resources[`${fn}LogGroup`]!.Properties.RetentionInDays).toBe(30);
  });

  it('routes each change to one function once: Secret Label Updated to sync, schedule and continuations to reconcile, Synced and unmirrored Rotated to redeploy', () => {
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule');
    const targetOf = (r: (typeof rules)[number]) => JSON.stringify(r.Properties.Targets?.[0]?.Arn ?? '');
    const patterns = rules.map((r) => ({ pattern: r.Properties.EventPattern ?? r.Properties.ScheduleExpression, target: targetOf(r) }));
    const to = (fn: string) => patterns.filter((p) => p.target.includes(`${fn}LambdaFunction`)).map((p) => p.pattern);
    expect(to('Sync')).toEqual([{ source: ['aws.secretsmanager'], 'detail-type': ['Secret Label Updated'], detail: { labelUpdated: ['AWSCURRENT'] } }]);
    expect(to('Reconcile')).toEqual(expect.arrayContaining(['rate(1 hour)', { source: ['keyroll'], 'detail-type': ['Reconcile Continued'] }]));
    expect(to('Redeploy')).toEqual(
      expect.arrayContaining([
        { source: ['keyroll'], 'detail-type': ['Secret Synced'] },
        { source: ['keyroll'], 'detail-type': ['Secret Rotated'], detail: { mirrored: [false] } },
      ]),
    );
    expect(JSON.stringify(to('Redeploy'))).toContain('"anything-but":{"prefix":"keyroll: secret "}');
    // No function waits on CloudTrail (the RotationFailed rule targets the alarm topic, not a function).
    expect(JSON.stringify(patterns.filter((p) => p.target.includes('LambdaFunction')))).not.toContain('CloudTrail');
  });

  it('runs the reconcile one at a time, with its own slot, asking the rotate function to heal', () => {
    const reconcile = resources.ReconcileLambdaFunction!.Properties;
    expect(reconcile.ReservedConcurrentExecutions).toBe(1);
    expect(reconcile.Environment.Variables.ROTATE_FUNCTION_NAME).toBe('keyroll-prod-rotate');
    expect(resources.SyncLambdaFunction!.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  const TOPIC = { 'Fn::If': ['CreateAlarmTopic', { Ref: 'AlarmTopic' }, ''] };
  const alarms = () => Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');

  it('creates its own alarm topic when none is given, publishable by CloudWatch of this account and by the RotationFailed rule only', () => {
    expect(template.Conditions?.CreateAlarmTopic).toEqual({ 'Fn::Equals': ['', ''] });
    expect(resources.AlarmTopic).toMatchObject({ Type: 'AWS::SNS::Topic', Condition: 'CreateAlarmTopic', Properties: { TopicName: 'keyroll-prod-alarms' } });
    const policy = resources.AlarmTopicPolicy!.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(policy.map((p) => [p.Principal.Service, p.Action])).toEqual([
      ['cloudwatch.amazonaws.com', 'sns:Publish'],
      ['events.amazonaws.com', 'sns:Publish'],
    ]);
    expect(policy[0]!.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    expect(policy[1]!.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['RotationFailedRule', 'Arn'] } } });
    expect(template.Conditions?.SubscribeAlarmEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
  });

  it('sends Secrets Manager\'s own RotationFailed, RotationAbandoned and TestRotationFailed to the topic, with what to do', () => {
    const rule = resources.RotationFailedRule!;
    expect(rule.Type).toBe('AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['RotationFailed', 'RotationAbandoned', 'TestRotationFailed'] },
    });
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual(TOPIC);
    expect(target.InputTransformer.InputPathsMap).toMatchObject({ secret: '$.detail.additionalEventData.SecretId', error: '$.detail.errorMessage' });
    expect(target.InputTransformer.InputTemplate).toMatch(/keyroll status shows the failed step.*serverless logs -f rotate --stage prod/);
  });

  it.each([
    ['RotateErrorsAlarm', 'AWS/Lambda', 'Errors', { Name: 'FunctionName', Value: { Ref: 'RotateLambdaFunction' } }],
    ['FailedEventsAlarm', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { Name: 'QueueName', Value: { 'Fn::GetAtt': ['FailedEventsQueue', 'QueueName'] } }],
    ['ReconcileFailuresAlarm', 'keyroll', 'ReconcileSecretsFailed', { Name: 'service', Value: 'keyroll-prod' }],
    ['ServicesFailedAlarm', 'keyroll', 'ServicesFailed', { Name: 'service', Value: 'keyroll-prod' }],
    ['EventsNotPublishedAlarm', 'keyroll', 'EventsNotPublished', { Name: 'service', Value: 'keyroll-prod' }],
  ])('alarms (%s) on %s %s at the first occurrence, to the topic, saying what to do', (id, namespace, metricName, dimension) => {
    const alarm = resources[id]!;
    expect(alarm.Type).toBe('AWS::CloudWatch::Alarm');
    expect(alarm.Properties).toMatchObject({ Namespace: namespace, MetricName: metricName, Dimensions: [dimension], Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    expect(alarm.Properties.AlarmActions).toEqual([TOPIC]);
    // "OK" only where it means fixed: the queue emptied. A count going back to 0 fixes nothing.
    expect(alarm.Properties.OKActions).toEqual(id === 'FailedEventsAlarm' ? [TOPIC] : undefined);
    expect(alarm.Properties.AlarmDescription).toMatch(/What to do: .*`keyroll [a-z-]+/s);
    expect(alarm.Properties.AlarmDescription.length).toBeLessThanOrEqual(1024);
  });

  it('lets rotate write only its own tags (strategy, failed step, passed test), never keyroll:ssm-path or keyroll:master', async () => {
    const tagging = statementsWith('RotateRole', 'secretsmanager:TagResource');
    expect(tagging).toHaveLength(1);
    expect(actionsOf(tagging[0]!).sort()).toEqual(['secretsmanager:TagResource', 'secretsmanager:UntagResource']);
    const { ROTATE_TAG_KEYS } = await import('../../src/tags.js');
    expect(tagging[0]!.Condition?.['ForAllValues:StringEquals']).toEqual({ 'aws:TagKeys': [...ROTATE_TAG_KEYS] });
    expect(tagging[0]!.Condition?.StringEquals).toHaveProperty(['secretsmanager:resource/AllowRotationLambdaArn']);
  });

  it('lets only the functions\' own roles send to the failed-events queue (a record there names the function a redrive invokes)', () => {
    const policy = resources.FailedEventsQueuePolicy!;
    expect(policy.Type).toBe('AWS::SQS::QueuePolicy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'OnlyKeyrollFunctionsSend',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] },
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': ['SyncRole', 'Arn'] }, { 'Fn::GetAtt': ['RedeployRole', 'Arn'] }] } },
      },
    ]);
  });

  it('alarms only on what it can act on: five alarms, each metric one the functions emit', async () => {
    const { METRIC_NAMES } = await import('../../src/metrics.js');
    expect(alarms().map(([id]) => id).sort()).toEqual(['EventsNotPublishedAlarm', 'FailedEventsAlarm', 'ReconcileFailuresAlarm', 'RotateErrorsAlarm', 'ServicesFailedAlarm']);
    for (const [, a] of alarms()) if (a.Properties.Namespace === 'keyroll') expect(METRIC_NAMES).toContain(a.Properties.MetricName);
    // The functions' metrics carry the service dimension the alarms name.
    expect(resources.RotateLambdaFunction!.Properties.Environment.Variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'keyroll-prod', POWERTOOLS_METRICS_NAMESPACE: 'keyroll' });
  });

  it('puts rotate, the only database-facing function, in a VPC only when subnets are given', () => {
    expect(template.Conditions?.InVpc).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    expect(resources.RotateLambdaFunction!.Properties.VpcConfig['Fn::If'][0]).toBe('InVpc');
    for (const fn of ['SyncLambdaFunction', 'ReconcileLambdaFunction', 'RedeployLambdaFunction']) expect(resources[fn]!.Properties.VpcConfig).toBeUndefined();
  });
});

describe('serverless package --stage prod with a VPC and a cluster pattern', () => {
  let dir: string;
  let template: Template;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyroll-package-params-'));
    template = await packageStack(dir, [
      '--param',
      'vpcSubnetIds=subnet-0a1b,subnet-2c3d',
      '--param',
      'vpcSecurityGroupIds=sg-0e4f',
      '--param',
      'ecsClusterPattern=prod-*',
      '--param',
      'alarmTopicArn=arn:aws:sns:us-east-1:123456789012:ops-pager',
      '--param',
      'alarmEmail=oncall@example.com',
    ]);
  }, 150_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(['RotateLambdaFunction'])('puts %s in the given subnets and security groups', (fn) => {
    expect(template.Conditions?.InVpc).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['subnet-0a1b,subnet-2c3d', ''] }] });
    expect(template.Resources[fn]!.Properties.VpcConfig).toEqual({
      'Fn::If': [
        'InVpc',
        { SubnetIds: { 'Fn::Split': [',', 'subnet-0a1b,subnet-2c3d'] }, SecurityGroupIds: { 'Fn::Split': [',', 'sg-0e4f'] } },
        { Ref: 'AWS::NoValue' },
      ],
    });
  });

  it('sends alarms to an existing topic when one is given, and subscribes the e-mail to it', () => {
    const existing = 'arn:aws:sns:us-east-1:123456789012:ops-pager';
    expect(template.Conditions?.CreateAlarmTopic).toEqual({ 'Fn::Equals': [existing, ''] });
    expect(template.Resources.RotateErrorsAlarm!.Properties.AlarmActions).toEqual([{ 'Fn::If': ['CreateAlarmTopic', { Ref: 'AlarmTopic' }, existing] }]);
    expect(template.Conditions?.SubscribeAlarmEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['oncall@example.com', ''] }] });
    expect(template.Resources.AlarmEmailSubscription!.Properties).toEqual({
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { 'Fn::If': ['CreateAlarmTopic', { Ref: 'AlarmTopic' }, existing] },
    });
  });

  it('scopes redeploy to the services of the clusters matching the pattern', () => {
    const statements = statementsIn(template.Resources, 'RedeployRole');
    const list = statements.find((s) => actionsOf(s).includes('ecs:ListServices'))!;
    const update = statements.find((s) => actionsOf(s).includes('ecs:UpdateService'))!;
    expect(list.Condition).toEqual({ ArnLike: { 'ecs:cluster': { 'Fn::Sub': 'arn:aws:ecs:${AWS::Region}:${AWS::AccountId}:cluster/prod-*' } } });
    expect(update.Resource).toEqual({ 'Fn::Sub': 'arn:aws:ecs:${AWS::Region}:${AWS::AccountId}:service/prod-*/*' });
  });
});
