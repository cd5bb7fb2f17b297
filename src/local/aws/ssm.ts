import type { ServiceContext, ServiceEmulation } from './types.js';

export type SsmEmulation = ServiceEmulation;

// PLACEHOLDER: being written (issue 2).
export function createSsm(_ctx: ServiceContext): SsmEmulation {
  return { targetPrefix: 'AmazonSSM', name: 'ssm', operations: {} };
}
