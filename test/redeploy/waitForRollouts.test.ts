import { describe, expect, it } from 'vitest';
import type { Service } from '@aws-sdk/client-ecs';
import { stepOfRollout } from '../../src/redeploy/waitForRollouts.js';

const svc = (deployments: NonNullable<Service['deployments']>, status = 'ACTIVE'): Service => ({ status, deployments });

describe('stepOfRollout', () => {
  it('waits while the tracked deployment is IN_PROGRESS', () => {
    // Act
    const step = stepOfRollout(svc([{ id: 'd2', status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }, { id: 'd1', status: 'ACTIVE' }]), 'd2');

    // Assess
    expect(step).toBeUndefined();
  });

  it('reports COMPLETED once the tracked deployment completes', () => {
    // Act
    const step = stepOfRollout(svc([{ id: 'd2', status: 'PRIMARY', rolloutState: 'COMPLETED' }]), 'd2');

    // Assess
    expect(step).toEqual({ state: 'COMPLETED', reason: 'rollout COMPLETED' });
  });

  it('reports a circuit-breaker rollback as FAILED even though a rollback deployment is now PRIMARY', () => {
    // Prepare
    const service = svc([
      { id: 'd3', status: 'PRIMARY', rolloutState: 'IN_PROGRESS' },
      { id: 'd2', status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' },
    ]);

    // Act
    const step = stepOfRollout(service, 'd2');

    // Assess
    expect(step).toEqual({ state: 'FAILED', reason: 'rollout FAILED: ECS deployment circuit breaker: tasks failed to start.' });
  });

  it('follows the new primary deployment when the tracked one was superseded', () => {
    // Act
    const step = stepOfRollout(svc([{ id: 'd9', status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }]), 'd2');

    // Assess
    expect(step).toEqual({ state: 'FOLLOW', deploymentId: 'd9' });
  });

  it('counts a service without rolloutState as done at steady state', () => {
    // Act
    const step = stepOfRollout(svc([{ id: 'd2', status: 'PRIMARY', desiredCount: 2, runningCount: 2 }]), 'd2');

    // Assess
    expect(step).toEqual({ state: 'COMPLETED', reason: 'steady state reached' });
  });

  it('fails a service that is being deleted', () => {
    // Act
    const step = stepOfRollout(svc([{ id: 'd2', status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }], 'DRAINING'), 'd2');

    // Assess
    expect(step).toEqual({ state: 'FAILED', reason: 'service became DRAINING during the rollout' });
  });
});

describe('stepOfRollout after a rollback that already completed', () => {
  it('reports FAILED from the service events when the failed deployment has left the list', () => {
    // Prepare
    const service: Service = {
      status: 'ACTIVE',
      deployments: [{ id: 'd3', status: 'PRIMARY', rolloutState: 'COMPLETED' }],
      events: [
        { message: '(service api) rolling back to deployment d1.' },
        { message: '(service api) (deployment d2) deployment failed: tasks failed to start.' },
      ],
    };

    // Act
    const step = stepOfRollout(service, 'd2');

    // Assess
    expect(step).toEqual({ state: 'FAILED', reason: 'rollout FAILED: deployment d2 failed and was replaced by d3' });
  });
});
