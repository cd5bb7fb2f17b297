import { describe, expect, it } from 'vitest';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { createTaskDefinitionCache, referencesOfTaskDefinition } from '../../src/redeploy/taskDefinitionCache.js';

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:3';

describe('referencesOfTaskDefinition', () => {
  it('collects secrets, repository credentials and log driver secrets of every container, and nothing else', () => {
    // Prepare
    const td: TaskDefinition = {
      containerDefinitions: [
        {
          name: 'app',
          environment: [{ name: 'PLAIN', value: 'not-kept' }],
          secrets: [{ name: 'DB_PASSWORD', valueFrom: '/app/db/password' }],
          repositoryCredentials: { credentialsParameter: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf' },
        },
        { name: 'log-router', logConfiguration: { logDriver: 'awsfirelens', secretOptions: [{ name: 'apiKey', valueFrom: '/log/key' }] } },
      ],
    };

    // Act
    const entry = referencesOfTaskDefinition(td, TD);

    // Assess
    expect(entry).toEqual({
      taskDefinitionArn: TD,
      references: [
        { container: 'app', valueFrom: '/app/db/password', source: 'secrets' },
        { container: 'app', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf', source: 'repositoryCredentials' },
        { container: 'log-router', valueFrom: '/log/key', source: 'logConfiguration' },
      ],
    });
  });
});

describe('createTaskDefinitionCache', () => {
  it('evicts the oldest entry past its bound', () => {
    // Prepare
    const cache = createTaskDefinitionCache(2);
    for (const arn of ['a:1', 'b:1', 'c:1']) cache.set(arn, { taskDefinitionArn: arn, references: [] });

    // Act
    const kept = ['a:1', 'b:1', 'c:1'].map((arn) => cache.get(arn) !== undefined);

    // Assess
    expect({ kept, size: cache.size }).toEqual({ kept: [false, true, true], size: 2 });
  });
});
