import type { BusEvent, EventEnvelope, ServiceContext, ServiceEmulation } from './types.js';

/** A rule: events on `eventBusName` (default bus when absent) matching `pattern` go to Lambda `target`. */
export interface EventRule {
  name: string;
  eventBusName?: string;
  pattern: Record<string, unknown>;
  /** Lambda function name (or ARN) invoked with the matching event. */
  target: string;
}

export interface EventBridgeEmulation extends ServiceEmulation {
  publish(event: BusEvent): void;
  addRule(rule: EventRule): void;
  /** Every event put on a bus, in order. */
  readonly events: EventEnvelope[];
}

// PLACEHOLDER: being written (issue 2).
export function createEventBridge(_ctx: ServiceContext, _o: { rules: EventRule[] }): EventBridgeEmulation {
  const events: EventEnvelope[] = [];
  return { targetPrefix: 'AWSEvents', name: 'events', operations: {}, events, publish() {}, addRule() {} };
}
