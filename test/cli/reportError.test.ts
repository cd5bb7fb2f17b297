import { describe, expect, it } from 'vitest';
import { createCliOutput } from '../../src/cli/createCliOutput.js';
import { EXIT_NOT_FOUND } from '../../src/cli/exitCodeOf.js';
import { readOnlyClusterError, reportError } from '../../src/cli/reportError.js';
import { ClusterNotFoundError } from '../../src/redeploy/errors.js';
import { collectStream } from './runKeyroll.js';

function report(err: unknown): { code: number; stderr: string } {
  const stdout = collectStream();
  const stderr = collectStream();
  const code = reportError(err, createCliOutput({ stdout, stderr }, { json: false }), { verbose: false });
  return { code, stderr: stderr.text() };
}

describe('readOnlyClusterError', () => {
  it.each([
    [['blue'], 'cluster "blue" does not exist; no service was checked'],
    [['blue', 'green'], 'clusters "blue", "green" do not exist; no service was checked'],
  ])('names the missing clusters %j and what was not done', (clusters, message) => {
    // Prepare
    const err = new ClusterNotFoundError('redeploy: missing; nothing was restarted', clusters);

    // Act
    const wrapped = readOnlyClusterError(err, 'no service was checked');

    // Assess
    expect({ name: wrapped.name, message: wrapped.message, cause: wrapped.cause }).toEqual({ name: 'NotFoundError', message, cause: err });
  });
});

describe('reportError', () => {
  it('hints at the cluster name for a missing cluster, exiting 3', () => {
    // Prepare
    const err = new ClusterNotFoundError('redeploy: cluster "blue" does not exist; nothing was restarted', ['blue']);

    // Act
    const out = report(err);

    // Assess
    expect(out).toEqual({
      code: EXIT_NOT_FOUND,
      stderr:
        'keyroll: redeploy: cluster "blue" does not exist; nothing was restarted\n' +
        'hint: check the cluster name (--cluster, ECS_CLUSTERS), the region and the account (aws ecs list-clusters lists them)\n',
    });
  });

  it('keeps the secret hint for a secret that does not exist', () => {
    // Prepare
    const err = Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });

    // Act
    const out = report(err);

    // Assess
    expect(out.stderr).toContain('hint: check the name or ARN, the region and the account (keyroll status lists managed secrets)');
  });
});
