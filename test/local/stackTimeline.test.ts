import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../local/aws/types.js';
import type { InvocationRecord } from '../../local/offlineInvoker.js';
import { startTimeline } from '../../local/timeline.js';

const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-AbCdEf';

const envelope = (id: string, source: string, detailType: string, detail: unknown, resources: string[] = []): EventEnvelope => ({
  version: '0',
  id,
  'detail-type': detailType,
  source,
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources,
  detail,
});

/** A timeline over hand-made bus events and invocations, on a clock the test moves. */
function timelineFixture() {
  let now = 1_000_000;
  const events: EventEnvelope[] = [];
  const invocations: InvocationRecord[] = [];
  const lines: string[] = [];
  const timeline = startTimeline({
    endpoint: { eventBridge: { events } as never },
    invoker: { invocations, earliestRunning: () => undefined },
    secrets: [{ arn: SECRET, label: 'app/db', ssmPath: '/app/db' }],
    services: [{ arn: 'arn:aws:ecs:us-east-1:000000000000:service/demo/api', name: 'demo/api', label: 'app/db' }],
    functionKeyOf: (name) => name.replace('keyroll-local-', ''),
    print: (line) => lines.push(line),
    // The test reads by stopping; no poll runs in between.
    pollMs: 3_600_000,
    clock: () => now,
  });
  const invocation = (functionName: string, at: number, trigger: InvocationRecord['trigger'], extra: Partial<InvocationRecord> = {}): InvocationRecord => ({
    functionName,
    trigger,
    requestedAt: new Date(at),
    startedAt: new Date(at),
    durationMs: 40,
    ok: true,
    ...extra,
  });
  return {
    events,
    invocations,
    lines,
    timeline,
    invocation,
    at: (offsetMs: number) => 1_000_000 + offsetMs,
    advance: (ms: number) => (now += ms),
  };
}

describe('startTimeline', () => {
  it('shows an event before the invocation it triggered, even when the bus is read after that invocation started', () => {
    // Prepare
    const f = timelineFixture();
    f.advance(500);
    f.events.push(envelope('e1', 'keyroll', 'Secret Synced', { secretArn: SECRET, versionId: 'v2', parameters: [], written: ['/app/db/password'], unchanged: [] }));
    f.invocations.push(f.invocation('keyroll-local-redeploy', f.at(200), { kind: 'event', source: 'keyroll', detailType: 'Secret Synced', eventId: 'e1', secretId: SECRET }));
    // Act
    f.timeline.stop();
    // Assess
    expect(f.lines.map((l) => l.trim())).toEqual([
      '+0.20s  app/db        ⇢ Secret Synced: wrote 1 parameter /app/db/{password}',
      expect.stringMatching(/^\+0\.20s {2}app\/db {8}redeploy ← Secret Synced +✔ 40 ms$/),
    ]);
  });

  it('lists the services restarted, skipped and failed with the reasons of "Services Redeployed"', () => {
    // Prepare
    const f = timelineFixture();
    f.events.push(
      envelope('e2', 'keyroll', 'Services Redeployed', {
        secretArn: SECRET,
        parameters: [],
        versionId: 'v2',
        dryRun: false,
        restarted: [{ cluster: 'demo', service: 'api', reason: 'forced a new deployment' }],
        skipped: [{ cluster: 'demo', service: 'batch', reason: 'no desired tasks (desiredCount 0)' }],
        failed: [{ cluster: 'demo', service: 'legacy', reason: 'uses the CODE_DEPLOY deployment controller' }],
      }),
    );
    // Act
    f.timeline.stop();
    // Assess
    expect(f.lines.slice(1).map((l) => l.trim())).toEqual([
      '↻ restarted demo/api: forced a new deployment',
      '– skipped demo/batch: no desired tasks (desiredCount 0)',
      '✘ failed demo/legacy: uses the CODE_DEPLOY deployment controller',
    ]);
  });

  it('sums up what a function ignored on purpose once per function and trigger, naming secrets by label', () => {
    // Prepare
    const f = timelineFixture();
    const rotated = { kind: 'event', source: 'keyroll', detailType: 'Secret Rotated', secretId: SECRET } as const;
    const reason = `secret ${SECRET} is mirrored to Parameter Store (keyroll:ssm-path): its "Secret Synced" redeploys`;
    f.invocations.push(f.invocation('keyroll-local-redeploy', f.at(10), rotated, { ignored: reason }));
    f.invocations.push(f.invocation('keyroll-local-redeploy', f.at(20), rotated, { ignored: reason }));
    // Act
    f.timeline.stop();
    // Assess
    expect(f.lines).toEqual([
      '  Left alone on purpose (each function decides from the event itself):',
      '    redeploy ← Secret Rotated ×2: secret app/db is mirrored to Parameter Store (keyroll:ssm-path): its "Secret Synced" redeploys',
    ]);
  });

  it('shows when a rollout of a known ECS service completes, and nothing of other services', () => {
    // Prepare
    const f = timelineFixture();
    const completed = { eventType: 'INFO', eventName: 'SERVICE_DEPLOYMENT_COMPLETED', deploymentId: 'ecs-svc/1', reason: 'done' };
    f.events.push(envelope('e3', 'aws.ecs', 'ECS Deployment State Change', completed, ['arn:aws:ecs:us-east-1:000000000000:service/demo/api']));
    f.events.push(envelope('e4', 'aws.ecs', 'ECS Deployment State Change', completed, ['arn:aws:ecs:us-east-1:000000000000:service/demo/other']));
    // Act
    f.timeline.stop();
    // Assess
    expect(f.lines.map((l) => l.trim())).toEqual(['+0.00s  app/db        ECS demo/api: deployment ecs-svc/1 completed']);
  });
});
