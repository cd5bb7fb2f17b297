import type { ServiceContext, ServiceEmulation } from './types.js';

export interface EcsOptions {
  /** How long a forced deployment stays IN_PROGRESS before it reaches COMPLETED (ms). */
  rolloutMs?: number;
}

export type EcsEmulation = ServiceEmulation;

// PLACEHOLDER: being written (issue 2).
export function createEcs(_ctx: ServiceContext, _options: EcsOptions): EcsEmulation {
  return { targetPrefix: 'AmazonEC2ContainerServiceV20141113', name: 'ecs', operations: {} };
}
