import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/redeploy/change.js';
import { canonicalParameterName, matchReference, type ReferenceMatch } from '../../src/redeploy/matchReference.js';

const ACCOUNT = '123456789012';
const ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db-AbCdEf`;
const PARTIAL = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db`;
const PARAM_ARN = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter`;

const change: Change = {
  secretArn: ARN,
  secretName: 'app/db',
  parameterNames: ['/app/db/password', 'legacy_password'],
  versionId: 'v-new',
  changedAt: new Date('2026-01-01T00:00:00Z'),
  region: 'us-east-1',
  accountId: ACCOUNT,
};

const secret: ReferenceMatch = { kind: 'affected', target: 'secret' };
const parameter: ReferenceMatch = { kind: 'affected', target: 'parameter' };
const unrelated: ReferenceMatch = { kind: 'unrelated' };
const pinned = (reason: string): ReferenceMatch => ({ kind: 'pinned', reason });

describe('matchReference', () => {
  it.each([
    ['the full secret ARN', ARN, secret],
    ['the ARN with a JSON key', `${ARN}:password::`, secret],
    ['the ARN with a JSON key and stage AWSCURRENT', `${ARN}:password:AWSCURRENT:`, secret],
    ['the ARN with only stage AWSCURRENT', `${ARN}::AWSCURRENT:`, secret],
    ['the ARN pinned to the new version', `${ARN}:::v-new`, secret],
    ['the partial ARN without the random suffix', PARTIAL, secret],
    ['the partial ARN with a JSON key', `${PARTIAL}:username::`, secret],
    ['the secret name', 'app/db', secret],
    ['a parameter by name', '/app/db/password', parameter],
    ['a parameter by ARN', `${PARAM_ARN}/app/db/password`, parameter],
    ['a parameter without a leading slash by name', 'legacy_password', parameter],
    ['a parameter without a leading slash by ARN', `${PARAM_ARN}/legacy_password`, parameter],
  ])('finds %s affected', (_what, valueFrom, expected) => {
    // Act
    const match = matchReference(valueFrom, change);

    // Assess
    expect(match).toEqual(expected);
  });

  it.each([
    ['another version id', `${ARN}:password::v-old`, pinned('pinned to secret version v-old')],
    ['stage AWSPREVIOUS', `${ARN}::AWSPREVIOUS:`, pinned('pinned to secret stage AWSPREVIOUS')],
    ['stage AWSPENDING on a partial ARN', `${PARTIAL}:password:AWSPENDING:`, pinned('pinned to secret stage AWSPENDING')],
    ['a parameter version by name', '/app/db/password:3', pinned('pinned to parameter version 3')],
    ['a parameter version by ARN', `${PARAM_ARN}/app/db/password:3`, pinned('pinned to parameter version 3')],
    ['a parameter label', '/app/db/password:prod', pinned('pinned to parameter label prod')],
  ])('reports a reference pinned to %s', (_what, valueFrom, expected) => {
    // Act
    const match = matchReference(valueFrom, change);

    // Assess
    expect(match).toEqual(expected);
  });

  it.each([
    ['another secret', `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db2-XyZ123`],
    ['a secret whose name extends the changed one', `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db-extra-AbCdEf`],
    ['a shorter secret name', `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app`],
    ['the same name in another region', `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:app/db-AbCdEf`],
    ['the same name in another account', 'arn:aws:secretsmanager:us-east-1:210987654321:secret:app/db-AbCdEf'],
    ['an ARN with too many suffix fields', `${ARN}:a:b:c:d`],
    ['a sibling parameter', '/app/db/pass'],
    ['a child of a changed parameter', '/app/db/password/extra'],
    ['the parameter in another region', `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/db/password`],
    ['an ARN of another service', 'arn:aws:s3:::app/db'],
    ['an empty value', ''],
  ])('leaves %s unrelated', (_what, valueFrom) => {
    // Act
    const match = matchReference(valueFrom, change);

    // Assess
    expect(match).toEqual(unrelated);
  });

  it('derives the secret name from the ARN when the change does not give it', () => {
    // Prepare
    const { secretName: _drop, ...withoutName } = change;

    // Act
    const match = matchReference(PARTIAL, withoutName);

    // Assess
    expect(match).toEqual(secret);
  });

  it('matches no secret form when the change names only parameters', () => {
    // Prepare
    const parametersOnly: Change = { parameterNames: ['/app/db/password'], changedAt: change.changedAt };

    // Act
    const matches = [ARN, PARTIAL, 'app/db'].map((v) => matchReference(v, parametersOnly));

    // Assess
    expect(matches).toEqual([unrelated, unrelated, unrelated]);
  });

  it('treats a name with and without its leading slash as the same parameter', () => {
    // Act
    const names = ['foo', '/foo', '/a/b'].map(canonicalParameterName);

    // Assess
    expect(names).toEqual(['/foo', '/foo', '/a/b']);
  });
});
