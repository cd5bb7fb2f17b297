import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Options shared by every client. The endpoint is normally left unset: the SDK reads
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself, so the same code talks to AWS,
 * LocalStack or keyroll's local endpoint without knowing which.
 */
export interface ClientOptions {
  /** A named profile of the shared config and credentials files (credentials, region), as the AWS CLI's --profile. */
  profile?: string;
  region?: string;
  endpoint?: string;
  maxAttempts?: number;
}

// Adaptive retry adds client-side rate limiting on top of exponential backoff, so
// ThrottlingException from a bulk run slows the caller down instead of failing it.
const common = (o: ClientOptions) => ({
  ...(o.profile ? { profile: o.profile } : {}),
  ...(o.region ? { region: o.region } : {}),
  ...(o.endpoint ? { endpoint: o.endpoint } : {}),
  retryMode: 'adaptive' as const,
  maxAttempts: o.maxAttempts ?? 8,
});

export const createSecretsManagerClient = (o: ClientOptions = {}) => new SecretsManagerClient(common(o));
export const createSsmClient = (o: ClientOptions = {}) => new SSMClient(common(o));
export const createEcsClient = (o: ClientOptions = {}) => new ECSClient(common(o));
export const createEventBridgeClient = (o: ClientOptions = {}) => new EventBridgeClient(common(o));
export const createLambdaClient = (o: ClientOptions = {}) => new LambdaClient(common(o));
/** The CLI's, for the failed-events queue (replay-failed); no function uses it. */
export const createSqsClient = (o: ClientOptions = {}) => new SQSClient(common(o));
/**
 * An RDS client, built on first use and loaded lazily: only a rotation through an RDS-managed
 * master needs it, so no cold start pays for the module.
 */
export function createLazyRdsClient(o: ClientOptions = {}): () => Promise<import('@aws-sdk/client-rds').RDSClient> {
  let client: Promise<import('@aws-sdk/client-rds').RDSClient> | undefined;
  return () => (client ??= import('@aws-sdk/client-rds').then((m) => new m.RDSClient(common(o))));
}

/** Splits a list into consecutive slices of at most `size` items, for AWS APIs' per-call limits. */
export function chunkList<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
