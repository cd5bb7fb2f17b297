import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  EventBridgeEnvelopeSchema,
  EVENT_SOURCE,
  SecretRotatedDetailSchema,
  SecretSyncedDetailSchema,
  ServicesRedeployedDetailSchema,
  ReconcileContinuedDetailSchema,
} from '../../src/events.js';

const sample = async (file: string) => JSON.parse(await readFile(new URL(`../../events/${file}`, import.meta.url), 'utf8')) as unknown;

describe('samples of the events keyroll emits', () => {
  it.each([
    ['sync-secret-rotated.json', 'Secret Rotated', SecretRotatedDetailSchema],
    ['redeploy-secret-synced.json', 'Secret Synced', SecretSyncedDetailSchema],
    ['services-redeployed.json', 'Services Redeployed', ServicesRedeployedDetailSchema],
    ['reconcile-continued.json', 'Reconcile Continued', ReconcileContinuedDetailSchema],
  ] as const)('%s has the envelope and the detail keyroll publishes as "%s"', async (file, detailType, schema) => {
    // Act
    const envelope = EventBridgeEnvelopeSchema.parse(await sample(file));
    // Assess
    expect(envelope.source).toBe(EVENT_SOURCE);
    expect(envelope['detail-type']).toBe(detailType);
    expect(() => schema.parse(envelope.detail)).not.toThrow();
  });
});
