import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/redeploy/change.js';
import {
  REASON_ALREADY_ROLLING,
  REASON_NO_DESIRED_TASKS,
  REASON_UNREFERENCED,
  decideService,
} from '../../src/redeploy/decideService.js';
import type { DiscoveredService } from '../../src/redeploy/discoverServices.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf';
const changedAt = new Date('2026-01-01T10:00:00Z');
const change: Change = { secretArn: ARN, parameterNames: ['/app/db/password'], versionId: 'v-new', changedAt };

function service(overrides: Partial<DiscoveredService> & { valueFroms?: string[] } = {}): DiscoveredService {
  const { valueFroms = [ARN], ...rest } = overrides;
  return {
    clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
    clusterName: 'prod',
    serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/api',
    serviceName: 'api',
    status: 'ACTIVE',
    desiredCount: 2,
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:1',
    deploymentController: 'ECS',
    primaryDeployment: { id: 'ecs-svc/1', createdAt: new Date('2026-01-01T09:00:00Z') },
    references: {
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:1',
      references: valueFroms.map((valueFrom) => ({ container: 'app', valueFrom, source: 'secrets' as const })),
    },
    ...rest,
  };
}

describe('decideService', () => {
  it('restarts a service whose deployment predates the change', () => {
    // Act
    const decision = decideService(service(), change);

    // Assess
    expect(decision).toEqual({ action: 'restart', reason: 'references the secret' });
  });

  it('restarts when one reference is pinned and another follows the current value', () => {
    // Act
    const decision = decideService(service({ valueFroms: [`${ARN}::AWSPREVIOUS:`, '/app/db/password'] }), change);

    // Assess
    expect(decision.action).toBe('restart');
  });

  it('ignores a service that references nothing of the change', () => {
    // Act
    const decision = decideService(service({ valueFroms: ['/other/param'] }), change);

    // Assess
    expect(decision).toEqual({ action: 'ignore', reason: REASON_UNREFERENCED });
  });

  it('skips a service whose only references are pinned, naming the pins', () => {
    // Act
    const decision = decideService(service({ valueFroms: [`${ARN}::AWSPREVIOUS:`, '/app/db/password:4'] }), change);

    // Assess
    expect(decision).toEqual({ action: 'skip', reason: 'pinned to secret stage AWSPREVIOUS; pinned to parameter version 4' });
  });

  it('skips a service with no desired tasks', () => {
    // Act
    const decision = decideService(service({ desiredCount: 0 }), change);

    // Assess
    expect(decision).toEqual({ action: 'skip', reason: REASON_NO_DESIRED_TASKS });
  });

  it('skips a service whose primary deployment started after the change', () => {
    // Act
    const decision = decideService(service({ primaryDeployment: { id: 'ecs-svc/2', createdAt: new Date(changedAt.getTime() + 1) } }), change);

    // Assess
    expect(decision).toEqual({ action: 'skip', reason: REASON_ALREADY_ROLLING });
  });

  it('skips a service that is draining', () => {
    // Act
    const decision = decideService(service({ status: 'DRAINING' }), change);

    // Assess
    expect(decision).toEqual({ action: 'skip', reason: 'service is DRAINING' });
  });

  it('fails a service deployed by CodeDeploy, which UpdateService cannot roll', () => {
    // Act
    const decision = decideService(service({ deploymentController: 'CODE_DEPLOY' }), change);

    // Assess
    expect(decision.action).toBe('fail');
  });

  it('fails a service whose task definition could not be read', () => {
    // Act
    const decision = decideService(service({ references: undefined, taskDefinitionError: 'cannot read task definition x: AccessDeniedException' }), change);

    // Assess
    expect(decision).toEqual({ action: 'fail', reason: 'cannot read task definition x: AccessDeniedException' });
  });
});
