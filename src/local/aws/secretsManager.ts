import type { ServiceContext, ServiceEmulation } from './types.js';

export type SecretsManagerEmulation = ServiceEmulation;

// PLACEHOLDER: being written (issue 2). Operations are filled in by the Secrets Manager emulation work.
export function createSecretsManager(_ctx: ServiceContext): SecretsManagerEmulation {
  return { targetPrefix: 'secretsmanager', name: 'secretsmanager', operations: {} };
}
