import { describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_NOT_FOUND, exitCodeOf } from '../../src/cli/exitCodeOf.js';
import { ClusterNotFoundError, RedeployDiscoveryError } from '../../src/redeploy/errors.js';

describe('exitCodeOf', () => {
  it('answers 3 (not found) for a ClusterNotFoundError, by its class', () => {
    // Prepare: no cause and a message that does not say "does not exist", so only the class can tell.
    const err = new ClusterNotFoundError('redeploy: no such cluster: blue', ['blue']);

    // Act
    const code = exitCodeOf(err);

    // Assess
    expect(code).toBe(EXIT_NOT_FOUND);
  });

  it('answers 3 for a ClusterNotFoundError wrapped by another error', () => {
    // Prepare
    const err = new Error('status failed', { cause: new ClusterNotFoundError('redeploy: cluster "blue" does not exist', ['blue']) });

    // Act
    const code = exitCodeOf(err);

    // Assess
    expect(code).toBe(EXIT_NOT_FOUND);
  });

  it('no longer reads "does not exist" in another discovery error as not found', () => {
    // Prepare
    const err = new RedeployDiscoveryError('redeploy: task definition family does not exist');

    // Act
    const code = exitCodeOf(err);

    // Assess
    expect(code).toBe(EXIT_FAILED);
  });
});
