import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { useTestAws } from '../../support/endpoint.js';
import { recordInvocations } from '../../support/awsFixtures.js';
import { rulesFromServerless } from '../../../local/serverlessRules.js';

const ROUTING = readFileSync(new URL('../../fixtures/serverless-routing.yml', import.meta.url), 'utf8');

describe('EventBridge with the rules of serverless.yml', () => {
  const aws = useTestAws({ rules: rulesFromServerless(ROUTING, { functionNamePrefix: '' }) });

  /** Registers `functionName` afresh and returns what it receives from now on. */
  const recorder = (functionName: string) => recordInvocations(aws, functionName);

  it('routes "Secret Rotated" on the stage bus to the sync function', async () => {
    // Prepare
    const sync = recorder('sync');
    // Act
    await aws.events.send(
      new PutEventsCommand({ Entries: [{ Source: 'keyroll', DetailType: 'Secret Rotated', Detail: '{"name":"db-a"}', EventBusName: 'keyroll-dev' }] }),
    );
    await aws.endpoint.idle();
    // Assess
    expect(sync).toEqual([expect.objectContaining({ 'detail-type': 'Secret Rotated', detail: { name: 'db-a' } })]);
  });

  it('routes "Secret Synced" to redeploy with only the detail, as its inputPath says', async () => {
    // Prepare
    const redeploy = recorder('redeploy');
    // Act
    await aws.events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'keyroll', DetailType: 'Secret Synced', Detail: '{"name":"db-b","written":["/app/db-b/password"]}', EventBusName: 'keyroll-dev' }],
      }),
    );
    await aws.endpoint.idle();
    // Assess
    expect(redeploy).toEqual([{ name: 'db-b', written: ['/app/db-b/password'] }]);
  });

  it('routes a CloudTrail PutSecretValue event published by the endpoint to sync on the default bus', async () => {
    // Prepare
    const sync = recorder('sync');
    // Act
    aws.endpoint.eventBridge.publish({
      source: 'aws.secretsmanager',
      detailType: 'AWS API Call via CloudTrail',
      detail: { eventSource: 'secretsmanager.amazonaws.com', eventName: 'PutSecretValue', requestParameters: { secretId: 'db-c' } },
    });
    await aws.endpoint.idle();
    // Assess
    expect(sync).toEqual([expect.objectContaining({ source: 'aws.secretsmanager', detail: expect.objectContaining({ eventName: 'PutSecretValue' }) })]);
  });

  it('leaves out SSM changes outside the keyroll parameter path', async () => {
    // Prepare
    const redeploy = recorder('redeploy');
    // Act
    for (const name of ['/other/db/password', '/keyroll/db-d/password']) {
      aws.endpoint.eventBridge.publish({ source: 'aws.ssm', detailType: 'Parameter Store Change', detail: { operation: 'Update', name } });
    }
    await aws.endpoint.idle();
    // Assess
    expect(redeploy).toEqual([expect.objectContaining({ detail: { operation: 'Update', name: '/keyroll/db-d/password' } })]);
  });
});
