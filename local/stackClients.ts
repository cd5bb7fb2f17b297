import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';

/** SDK clients pointed at the local AWS endpoint. */
export interface StackClients {
  sm: SecretsManagerClient;
  ssm: SSMClient;
  ecs: ECSClient;
  events: EventBridgeClient;
}

/**
 * Clients for the local endpoint with fixed dummy credentials, so the demo and the checks run
 * whatever AWS profile or variables the developer has (the endpoint does not check signatures).
 */
export function createStackClients(endpointUrl: string, region: string): StackClients {
  const common = { endpoint: endpointUrl, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 };
  return {
    sm: new SecretsManagerClient(common),
    ssm: new SSMClient(common),
    ecs: new ECSClient(common),
    events: new EventBridgeClient(common),
  };
}
