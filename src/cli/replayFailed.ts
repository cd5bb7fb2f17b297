import type { Command } from 'commander';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { chunkList } from '../aws.js';
import { clip, errorText } from '../errors.js';
import type { CommandSetup } from './commandSetup.js';
import type { CliContext } from './createCliContext.js';
import { NotFoundError, UsageError } from './errors.js';
import { EXIT_FAILED, EXIT_OK } from './exitCodeOf.js';
import { renderTable } from './renderTable.js';

/**
 * The record Lambda sends to an on-failure destination after an asynchronous invocation failed
 * all its attempts (AWS Lambda, "Capturing records of asynchronous invocations"): what was
 * invoked, why it failed, and the event itself (`requestPayload`), which is what a replay sends.
 */
const InvocationRecordSchema = z.looseObject({
  version: z.optional(z.string()),
  timestamp: z.optional(z.string()),
  requestContext: z.looseObject({
    requestId: z.optional(z.string()),
    functionArn: z.string().check(z.regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/, 'must be a Lambda function ARN')),
    condition: z.optional(z.string()),
    approximateInvokeCount: z.optional(z.number()),
  }),
  requestPayload: z.unknown(),
  responsePayload: z.optional(z.unknown()),
});

/** One message of the failed-events queue, as `replay-failed` reports it: names, never a value. */
export interface FailedEvent {
  messageId: string;
  /** When Lambda gave up on it. */
  failedAt: string | null;
  /** The function's name (from the record's ARN). */
  function: string | null;
  condition: string | null;
  attempts: number | null;
  /** The event: its detail-type (or the rotate step) and the secret or parameter it is about. */
  event: string;
  error: string;
  /** With --redrive: `replayed` (succeeded, message deleted), `failed` (kept) or `skipped` (not a Lambda record, kept); with --delete: `deleted`. */
  action?: 'replayed' | 'failed' | 'skipped' | 'deleted';
  replayError?: string;
}

export interface ReplayReport {
  queueUrl: string;
  /** Messages read from the queue (at most --max). */
  events: FailedEvent[];
  replayed: number;
  failed: number;
  deleted: number;
}

export interface ReplayOptions {
  queue?: string;
  redrive?: boolean;
  delete?: boolean;
  function?: string;
  max: number;
}

// How long the messages read stay hidden while this run looks at them (released at the end).
const READ_VISIBILITY_SECONDS = 60;
// How long a message being replayed stays hidden: the longest function timeout (900 s) and a margin.
const REPLAY_VISIBILITY_SECONDS = 960;
const FAILED_QUEUE_SUFFIX = '-failed-events';
const REPLAYABLE = ['sync', 'reconcile', 'redeploy'];

/**
 * Lists the events the event-driven functions failed on after Lambda's retries (the queue
 * serverless.yml names `<service>-<stage>-failed-events`); with `redrive`, invokes each record's
 * function again with its event, one at a time and synchronously, deleting the message when the
 * invocation succeeds and keeping it (with the new error) when it fails; only the stack's own
 * sync, reconcile and redeploy are ever invoked (see stackOfQueue); with `delete`, removes
 * them unreplayed. Messages not in Lambda's record format are reported and kept. Every message
 * read and kept is made visible again before the command ends.
 * @throws UsageError for a missing queue or conflicting options; NotFoundError when the queue does not exist.
 */
export async function replayFailed(ctx: CliContext, options: ReplayOptions): Promise<ReplayReport> {
  if (options.redrive && options.delete) throw new UsageError('--redrive and --delete exclude each other: replay the events, or drop them');
  const queue = options.queue ?? ctx.failedQueue;
  if (!queue) throw new UsageError('name the failed-events queue: --queue <name or URL> (serverless.yml: <service>-<stage>-failed-events, e.g. keyroll-prod-failed-events) or KEYROLL_FAILED_QUEUE');
  const sqs = ctx.sqs();
  const queueUrl = await queueUrlOf(sqs, queue);
  const stack = stackOfQueue(queueUrl);
  const messages = await receiveAll(sqs, queueUrl, options.max);
  const report: ReplayReport = { queueUrl, events: [], replayed: 0, failed: 0, deleted: 0 };
  const keep: Message[] = [];
  try {
    for (const message of messages) {
      const { event, record } = describeMessage(message);
      if (options.function && event.function !== functionNameOf(options.function)) {
        keep.push(message);
        continue;
      }
      report.events.push(event);
      if (options.delete) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        event.action = 'deleted';
        report.deleted++;
      } else if (options.redrive && record && !replayable(record, stack)) {
        event.action = 'skipped';
        event.replayError = `not replayed: ${record.requestContext.functionArn} is not one of this stack's event-driven functions (${stack.functions.join(', ')} in ${stack.region}/${stack.account})`;
        keep.push(message);
      } else if (options.redrive && record) {
        // Hidden for as long as the replay may take (the longest function timeout, 900 s), so no
        // other reader replays it meanwhile and the receipt handle stays the one that deletes it.
        await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: REPLAY_VISIBILITY_SECONDS }));
        const replayError = await replay(ctx, record);
        if (replayError === undefined) {
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
          event.action = 'replayed';
          report.replayed++;
        } else {
          event.action = 'failed';
          event.replayError = replayError;
          report.failed++;
          keep.push(message);
        }
      } else {
        if (options.redrive) event.action = 'skipped';
        keep.push(message);
      }
    }
  } finally {
    const stuck = await release(sqs, queueUrl, keep);
    if (stuck) ctx.out.note(`keyroll: ${stuck} message(s) could not be made visible again at once; they reappear within ${READ_VISIBILITY_SECONDS} s`);
  }
  return report;
}

/**
 * The functions a queue's records may be replayed to: the event-driven functions of the stack the
 * queue belongs to (`<service>-<stage>-failed-events` → `<service>-<stage>-{sync,reconcile,redeploy}`),
 * in the queue's account and Region. A message names its function itself, and anyone who may send
 * to the queue could write one: a replay never invokes anything else (rotate least of all).
 */
function stackOfQueue(queueUrl: string): { prefix: string; account: string; region: string; functions: string[] } {
  const url = new URL(queueUrl);
  const [, account = '', name = ''] = url.pathname.split('/');
  const region = /^sqs[.-]([a-z0-9-]+)\./.exec(url.hostname)?.[1] ?? '';
  const prefix = name.endsWith(FAILED_QUEUE_SUFFIX) ? name.slice(0, -FAILED_QUEUE_SUFFIX.length) : '';
  return { prefix, account, region, functions: prefix ? REPLAYABLE.map((f) => `${prefix}-${f}`) : [] };
}

function replayable(record: InvocationRecord, stack: ReturnType<typeof stackOfQueue>): boolean {
  const [, , , region, account, , name] = record.requestContext.functionArn.split(':');
  if (!stack.functions.includes(name ?? '') || account !== stack.account) return false;
  // A local endpoint's queue URL carries no Region: the account and the name decide.
  return stack.region === '' || region === stack.region;
}

const functionNameOf = (nameOrArn: string): string => (nameOrArn.startsWith('arn:') ? (nameOrArn.split(':')[6] ?? nameOrArn) : nameOrArn);

async function queueUrlOf(sqs: SQSClient, queue: string): Promise<string> {
  if (/^https?:\/\//.test(queue)) return queue;
  try {
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
    return out.QueueUrl!;
  } catch (err) {
    if (err instanceof Error && /NonExistentQueue|QueueDoesNotExist/.test(err.name)) throw new NotFoundError(`queue ${queue} does not exist`, { cause: err });
    throw err;
  }
}

/** Up to `max` messages, 10 a call, hidden while this run holds them; stops when a long poll answers none. */
async function receiveAll(sqs: SQSClient, queueUrl: string, max: number): Promise<Message[]> {
  const out: Message[] = [];
  const seen = new Set<string>();
  for (let calls = 0; out.length < max && calls < Math.ceil(max / 10) + 3; calls++) {
    const got = await sqs.send(
      // A long poll: a short one samples only some of SQS's servers and may answer nothing from a queue that holds messages.
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: Math.min(10, max - out.length), VisibilityTimeout: READ_VISIBILITY_SECONDS, WaitTimeSeconds: 2 }),
    );
    const fresh = (got.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const m of fresh) seen.add(m.MessageId!);
    out.push(...fresh);
  }
  return out;
}

/** Makes the kept messages visible again at once (10 a call), so the next run or the alarm sees them. @returns how many SQS refused. */
async function release(sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<number> {
  let refused = 0;
  for (const batch of chunkList(messages, 10)) {
    const out = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
    refused += out.Failed?.length ?? 0;
  }
  return refused;
}

type InvocationRecord = z.output<typeof InvocationRecordSchema>;

function describeMessage(message: Message): { event: FailedEvent; record?: InvocationRecord } {
  const base = { messageId: message.MessageId ?? '?' };
  let parsed: ReturnType<typeof InvocationRecordSchema.safeParse>;
  try {
    parsed = InvocationRecordSchema.safeParse(JSON.parse(message.Body ?? ''));
  } catch {
    return { event: { ...base, failedAt: null, function: null, condition: null, attempts: null, event: '?', error: 'not a Lambda invocation record (the body is not JSON)' } };
  }
  if (!parsed.success) {
    const problem = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return { event: { ...base, failedAt: null, function: null, condition: null, attempts: null, event: '?', error: `not a Lambda invocation record (${clip(problem)})` } };
  }
  const record = parsed.data;
  const ctx = record.requestContext;
  return {
    record,
    event: {
      ...base,
      failedAt: record.timestamp ?? null,
      function: ctx.functionArn.split(':')[6] ?? null,
      condition: ctx.condition ?? null,
      attempts: ctx.approximateInvokeCount ?? null,
      event: eventSummaryOf(record.requestPayload),
      error: errorOfResponse(record.responsePayload),
    },
  };
}

/** `detail-type secretArn` of an EventBridge event, `Step SecretId` of a rotation request; bounded. */
function eventSummaryOf(payload: unknown): string {
  const p = (payload ?? {}) as Record<string, unknown>;
  const detail = (p.detail ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? clip(v, 200) : undefined);
  const what = str(p['detail-type']) ?? str(p.Step) ?? str(p.action) ?? '?';
  const about = str(detail.secretArn) ?? str(Array.isArray(p.resources) ? p.resources[0] : undefined) ?? str(detail.name) ?? str(p.SecretId);
  return about ? `${what} ${about}` : what;
}

function errorOfResponse(response: unknown): string {
  const r = (response ?? {}) as Record<string, unknown>;
  const type = typeof r.errorType === 'string' ? r.errorType : undefined;
  const message = typeof r.errorMessage === 'string' ? clip(r.errorMessage, 400) : undefined;
  if (!type && !message) return 'no error recorded';
  return [type, message].filter(Boolean).join(': ');
}

/** Invokes the record's function with its event and waits; undefined when it succeeded, else why not. */
async function replay(ctx: CliContext, record: InvocationRecord): Promise<string | undefined> {
  try {
    const out = await ctx.lambda().send(
      new InvokeCommand({ FunctionName: record.requestContext.functionArn, InvocationType: 'RequestResponse', Payload: JSON.stringify(record.requestPayload ?? {}) }),
    );
    if (!out.FunctionError) return undefined;
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    try {
      return errorOfResponse(JSON.parse(text));
    } catch {
      return `${out.FunctionError}: ${clip(text, 400)}`;
    }
  } catch (err) {
    return errorText(err);
  }
}

/** `keyroll replay-failed [--queue …] [--redrive | --delete] [--function …] [--max …]`. */
export function addReplayFailedCommand(program: Command, setup: CommandSetup): void {
  program
    .command('replay-failed')
    .description("list the events sync, reconcile and redeploy failed on after Lambda's retries (the failed-events queue); --redrive runs them again")
    .option('--queue <name|url>', 'the failed-events queue: <service>-<stage>-failed-events (env KEYROLL_FAILED_QUEUE)')
    .option('--redrive', 'invoke each event\'s function again, one at a time; delete the message when it succeeds, keep it when it fails')
    .option('--delete', 'delete the listed messages without replaying them')
    .option('--function <name>', 'only the events of this function (e.g. keyroll-prod-redeploy)')
    .option('--max <n>', 'most messages read', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--max must be an integer from 1 to 1000, not "${v}"`);
      return n;
    }, 100)
    .action(async (options: ReplayOptions, command: Command) => {
      const ctx = setup.context(command);
      const report = await replayFailed(ctx, options);
      if (ctx.out.json) ctx.out.document(report);
      else printReport(ctx, report, options);
      setup.exit(report.failed > 0 ? EXIT_FAILED : EXIT_OK);
    });
}

function printReport(ctx: CliContext, report: ReplayReport, options: ReplayOptions): void {
  const { out } = ctx;
  if (report.events.length === 0) {
    out.line(`no failed events in ${report.queueUrl}${options.function ? ` for ${options.function}` : ''}`);
    return;
  }
  const lines = renderTable<FailedEvent>(
    [
      { heading: 'FAILED AT', cell: (e) => e.failedAt ?? '?' },
      { heading: 'FUNCTION', cell: (e) => e.function ?? '?' },
      { heading: 'ATTEMPTS', cell: (e) => (e.attempts === null ? '?' : String(e.attempts)) },
      { heading: 'EVENT', cell: (e) => e.event },
      ...(options.redrive || options.delete ? [{ heading: 'NOW', cell: (e: FailedEvent) => e.action ?? '-' }] : []),
      { heading: 'ERROR', cell: (e) => clip(e.replayError ?? e.error, 160) },
    ],
    report.events,
  );
  for (const l of lines) out.line(l);
  if (options.redrive) out.line(`${report.replayed} replayed and deleted, ${report.failed} failed again (kept)`);
  else if (options.delete) out.line(`${report.deleted} deleted`);
  else out.line(`${report.events.length} failed event(s): fix the cause, then keyroll replay-failed --redrive`);
}
