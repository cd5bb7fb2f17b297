import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { runCli } from '../../src/cli/runCli.js';
import type { TestAws } from '../support/endpoint.js';
import { newPassword, uniqueName, usePostgres } from '../support/postgres.js';

/** A stream that keeps what is written, optionally claiming to be a terminal. */
export function collectStream(isTTY = false): { write(text: string): boolean; isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  return {
    isTTY,
    write(text: string) {
      chunks.push(text);
      return true;
    },
    text: () => chunks.join(''),
  };
}

export interface KeyrollRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document `--json` promises (throws when it is not exactly one). */
  json<T = any>(): T;
}

/**
 * Runs the CLI in-process against the test endpoint (`--endpoint-url`, `--region`) and the
 * shared PostgreSQL's CA (`--ca-bundle`), capturing both streams and the exit code.
 */
export async function runKeyroll(
  aws: TestAws | undefined,
  args: string[],
  options: { env?: Record<string, string>; ttyStderr?: boolean } = {},
): Promise<KeyrollRun> {
  const stdout = collectStream();
  const stderr = collectStream(options.ttyStderr === true);
  const globals = aws ? ['--endpoint-url', aws.endpoint.url, '--region', aws.endpoint.region, '--ca-bundle', usePostgres().caCertPath] : [];
  const code = await runCli([...globals, ...args], { stdout, stderr, env: { AWS_MAX_ATTEMPTS: '2', SSM_PUT_TPS: '1000', ...options.env } });
  return { code, stdout: stdout.text(), stderr: stderr.text(), json: () => JSON.parse(stdout.text()) };
}

/** A cluster of its own with one service whose container takes `valueFroms` as secrets. */
export async function createReferencingService(
  aws: TestAws,
  valueFroms: string[],
  options: { cluster?: string; service?: string; desiredCount?: number } = {},
): Promise<{ cluster: string; service: string }> {
  const cluster = options.cluster ?? uniqueName('cluster');
  const service = options.service ?? uniqueName('svc');
  await aws.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const td = await aws.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: uniqueName('family'),
      containerDefinitions: [
        {
          name: 'app',
          image: 'public.ecr.aws/docker/library/nginx:latest',
          memory: 128,
          secrets: valueFroms.map((valueFrom, i) => ({ name: `S${i}`, valueFrom })),
        },
      ],
    }),
  );
  await aws.ecs.send(
    new CreateServiceCommand({ cluster, serviceName: service, taskDefinition: td.taskDefinition!.taskDefinitionArn!, desiredCount: options.desiredCount ?? 1 }),
  );
  return { cluster, service };
}

/**
 * Stores a new AWSCURRENT value (the same keys, another password: the database is not touched)
 * and returns when that value was created.
 */
export async function changeValue(aws: TestAws, secretArn: string): Promise<Date> {
  const current = await aws.sm.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const value = { ...JSON.parse(current.SecretString!), password: newPassword() };
  await aws.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(value) }));
  return (await aws.sm.send(new GetSecretValueCommand({ SecretId: secretArn }))).CreatedDate!;
}
