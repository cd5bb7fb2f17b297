import { describe, expect, it } from 'vitest';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { useTestAws } from '../../support/endpoint.js';

describe('PutParameter under a rate limit', () => {
  // Enough attempts for adaptive retry to wait out the limit; the client is keyroll's own.
  const aws = useTestAws({}, 10);

  it('gets every write through with adaptive retry after ThrottlingException answers', async () => {
    // Prepare
    aws.endpoint.setRateLimit('ssm.PutParameter', 3);
    const names = Array.from({ length: 8 }, (_, i) => `/kr-throttle/p${i}`);

    // Act
    const results = await Promise.all(
      names.map((Name) => aws.ssm.send(new PutParameterCommand({ Name, Value: 'v', Type: 'String' }))),
    );

    // Assess
    expect(results.map((r) => r.Version)).toEqual(names.map(() => 1));
    const throttled = aws.endpoint.requestLog.filter(
      (r) => r.operation === 'PutParameter' && r.outcome === 'ThrottlingException',
    ).length;
    expect(throttled).toBeGreaterThan(0);
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(names.length + throttled);
  });
});
