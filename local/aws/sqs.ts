import { setTimeout as sleep } from 'node:timers/promises';
import { AwsApiError, type Operation, type ServiceContext, type ServiceEmulation } from './types.js';
import type { RequestFields } from './requestFields.js';
import {
  batchEntryIdsNotDistinct,
  batchRequestTooLong,
  checkMessageBody,
  emptyBatchRequest,
  invalidAttributeName,
  invalidAttributeValue,
  invalidBatchEntryId,
  invalidParameterValue,
  md5Hex,
  md5OfMessageAttributes,
  messageNotInflight,
  messageSize,
  queueDoesNotExist,
  readMessageAttributes,
  readSqsInteger,
  readSqsString,
  readSqsStringList,
  readSqsStructureList,
  readStringMap,
  receiptHandleIsInvalid,
  requireSqsString,
  tooManyEntriesInBatchRequest,
  type MessageAttributeValue,
} from './sqsInput.js';

export interface SqsOptions {
  /**
   * Longest a ReceiveMessage actually waits on an empty queue, in ms (default 1000), whatever
   * its WaitTimeSeconds (validated 0..20 as AWS does): long polls stay short on a local endpoint.
   * A message arriving meanwhile is answered at once, as with AWS's long polling.
   */
  maxWaitMs?: number;
}

/** A message as tests read it through {@link SqsEmulation.messagesOf}: never received by that. */
export interface SqsMessageView {
  messageId: string;
  body: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  sentAt: Date;
  /** How many ReceiveMessage calls returned it. */
  receiveCount: number;
  /** False while a receive keeps it in flight, or while its delay runs. */
  visible: boolean;
}

/**
 * SQS (AWS JSON 1.0, target prefix `AmazonSQS`, query-compatible errors): standard queues with
 * CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, GetQueueAttributes, SendMessage,
 * SendMessageBatch, ReceiveMessage (visibility timeout, short long-polls), DeleteMessage,
 * DeleteMessageBatch, ChangeMessageVisibility, ChangeMessageVisibilityBatch and PurgeQueue. FIFO queues are not emulated.
 * Queue URLs are `http://127.0.0.1:<port>/<account>/<name>`.
 */
export interface SqsEmulation extends ServiceEmulation {
  /** The URL of a queue. @throws Error naming the queue when it does not exist. */
  queueUrl(queueName: string): string;
  /**
   * The messages a queue holds (sent, not deleted or purged), oldest first, read without
   * receiving them: visibility and receive counts stay as they are.
   * @param queue a queue name or URL
   * @throws Error naming the queue when it does not exist.
   */
  messagesOf(queue: string): SqsMessageView[];
  /**
   * Sends a message to a queue as another service would (Lambda's on-failure destination).
   * @returns false when no queue of that name exists (AWS then counts a DestinationDeliveryFailure).
   */
  deliver(queueName: string, body: string): boolean;
}

interface StoredMessage {
  id: string;
  body: string;
  bodyMd5: string;
  attributes: Record<string, MessageAttributeValue>;
  attributesMd5?: string;
  sentAt: Date;
  /** Epoch ms on the endpoint's clock from which a receive may return it (delay, then visibility timeout). */
  visibleAt: number;
  /** How many receives returned it; above 0 and not visible means in flight (ChangeMessageVisibility needs that). */
  receiveCount: number;
  firstReceivedAt?: Date;
  /** The receipt handle of the latest receive: only it deletes the message, as AWS documents. */
  receipt?: string;
}

interface Queue {
  name: string;
  arn: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAt: Date;
  lastModifiedAt: Date;
  messages: StoredMessage[];
  lastPurgeAt?: number;
}

/** Attributes CreateQueue may set, with AWS's range and default for the numeric ones. */
const NUMERIC_ATTRIBUTES: Record<string, { min: number; max: number; default: number }> = {
  DelaySeconds: { min: 0, max: 900, default: 0 },
  MaximumMessageSize: { min: 1024, max: 1_048_576, default: 1_048_576 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
  KmsDataKeyReusePeriodSeconds: { min: 60, max: 86_400, default: 300 },
};
const STRING_ATTRIBUTES = ['Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'SqsManagedSseEnabled'];
const FIFO_ATTRIBUTES = ['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'];
const COMPUTED_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
];
const MESSAGE_SYSTEM_ATTRIBUTES = ['SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'];

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 1_048_576;
const PURGE_INTERVAL_MS = 60_000;
/** The sender AWS reports for messages sent with the endpoint's (only) identity. */
const SENDER_ID = 'AIDALOCALENDPOINTUSER';
const POLL_INTERVAL_MS = 25;

const epochSeconds = (d: Date) => String(Math.floor(d.getTime() / 1000));

/** Creates the SQS emulation; `baseUrl` answers the endpoint's URL once it listens (queue URLs hold its port). */
export function createSqs(ctx: ServiceContext, options: SqsOptions & { baseUrl: () => string }): SqsEmulation {
  const maxWaitMs = options.maxWaitMs ?? 1000;
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0 || maxWaitMs > 20_000) {
    throw new Error(`sqs.maxWaitMs must be a number of ms from 0 to 20000, got ${maxWaitMs}`);
  }
  const queues = new Map<string, Queue>();
  const urlOf = (q: Queue) => `${options.baseUrl()}/${ctx.accountId}/${q.name}`;
  const nowMs = () => ctx.now().getTime();

  /** A queue by URL: any host, path `/<account>/<name>` (AWS checks its own host; this endpoint has one). */
  const queueByUrl = (url: string): Queue => {
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw new AwsApiError('InvalidAddress', `The address ${url.slice(0, 200)} is not valid for this endpoint.`, 404);
    }
    const m = /^\/(\d{12})\/([^/]+)\/?$/.exec(path);
    const queue = m && m[1] === ctx.accountId ? queues.get(m[2]!) : undefined;
    if (!queue) throw queueDoesNotExist();
    return queue;
  };
  const requireQueue = (input: RequestFields) => queueByUrl(requireSqsString(input, 'QueueUrl'));

  /** Retention: messages older than MessageRetentionPeriod are gone, as AWS deletes them. */
  const expire = (q: Queue) => {
    const oldest = nowMs() - Number(q.attributes['MessageRetentionPeriod']) * 1000;
    q.messages = q.messages.filter((m) => m.sentAt.getTime() > oldest);
  };

  const readQueueAttributes = (input: RequestFields): Record<string, string> => {
    const raw = readStringMap(input, 'Attributes') ?? {};
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (FIFO_ATTRIBUTES.includes(name)) {
        throw invalidParameterValue(`Attribute ${name} is for FIFO queues, which keyroll's local endpoint does not emulate.`);
      }
      const range = NUMERIC_ATTRIBUTES[name];
      if (range) {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < range.min || n > range.max) {
          throw invalidAttributeValue(name, `Must be an integer from ${range.min} to ${range.max}.`);
        }
        out[name] = String(n);
      } else if (STRING_ATTRIBUTES.includes(name)) {
        if (name === 'SqsManagedSseEnabled' && value !== 'true' && value !== 'false') {
          throw invalidAttributeValue(name, 'Must be true or false.');
        }
        out[name] = value;
      } else {
        throw invalidAttributeName(name);
      }
    }
    return out;
  };

  const counts = (q: Queue) => {
    const now = nowMs();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const m of q.messages) {
      if (m.visibleAt <= now) visible += 1;
      else if (m.receiveCount > 0) inFlight += 1;
      else delayed += 1;
    }
    return { visible, inFlight, delayed };
  };

  const computedAttribute = (q: Queue, name: string): string => {
    const c = counts(q);
    switch (name) {
      case 'ApproximateNumberOfMessages':
        return String(c.visible);
      case 'ApproximateNumberOfMessagesNotVisible':
        return String(c.inFlight);
      case 'ApproximateNumberOfMessagesDelayed':
        return String(c.delayed);
      case 'CreatedTimestamp':
        return epochSeconds(q.createdAt);
      case 'LastModifiedTimestamp':
        return epochSeconds(q.lastModifiedAt);
      default:
        return q.arn;
    }
  };

  /** Stores one message (already validated); answers what SendMessage answers. */
  const enqueue = (q: Queue, body: string, attributes: Record<string, MessageAttributeValue>, delaySeconds: number | undefined) => {
    const now = ctx.now();
    const delay = delaySeconds ?? Number(q.attributes['DelaySeconds']);
    const attributesMd5 = md5OfMessageAttributes(attributes);
    const message: StoredMessage = {
      id: crypto.randomUUID(),
      body,
      bodyMd5: md5Hex(body),
      attributes,
      ...(attributesMd5 ? { attributesMd5 } : {}),
      sentAt: now,
      visibleAt: now.getTime() + delay * 1000,
      receiveCount: 0,
    };
    q.messages.push(message);
    return { MessageId: message.id, MD5OfMessageBody: message.bodyMd5, MD5OfMessageAttributes: attributesMd5 };
  };

  /** Reads and checks one message of SendMessage or of a SendMessageBatch entry. */
  const readMessage = (q: Queue, input: RequestFields) => {
    const body = requireSqsString(input, 'MessageBody');
    if (body.length === 0) throw invalidParameterValue('The request must contain a non-empty message body.');
    checkMessageBody(body);
    const delaySeconds = readSqsInteger(input, 'DelaySeconds', 0, 900);
    const attributes = readMessageAttributes(input);
    const max = Number(q.attributes['MaximumMessageSize']);
    const size = messageSize(body, attributes);
    if (size > max) {
      throw invalidParameterValue(`One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
    }
    return { body, attributes, delaySeconds, size };
  };

  /** Checks a batch's entries as AWS does before handling any: count, ids, distinct ids. */
  const readBatch = (input: RequestFields, entryType: string): RequestFields[] => {
    const entries = readSqsStructureList(input, 'Entries') ?? [];
    if (entries.length === 0) throw emptyBatchRequest(entryType);
    if (entries.length > MAX_BATCH_ENTRIES) throw tooManyEntriesInBatchRequest(entries.length);
    const seen = new Set<string>();
    for (const e of entries) {
      const id = requireSqsString(e, 'Id');
      if (!BATCH_ENTRY_ID.test(id)) throw invalidBatchEntryId();
      if (seen.has(id)) throw batchEntryIdsNotDistinct(id);
      seen.add(id);
    }
    return entries;
  };

  const failedEntry = (id: string, err: unknown) => {
    if (!(err instanceof AwsApiError)) throw err;
    return { Id: id, SenderFault: err.status < 500, Code: err.queryCode ?? err.type, Message: err.message };
  };

  // Receipt handles are opaque to callers; this one names the queue, the message and the receive.
  const receiptFor = (q: Queue, m: StoredMessage) =>
    Buffer.from(JSON.stringify({ q: q.name, m: m.id, r: m.receiveCount, n: crypto.randomUUID() }), 'utf8').toString('base64url');

  /** The message a receipt handle names, if it still exists; stale (older receive) handles are `stale`. */
  const resolveReceipt = (q: Queue, handle: string): { message?: StoredMessage; stale: boolean } => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(handle, 'base64url').toString('utf8'));
    } catch {
      throw receiptHandleIsInvalid(handle);
    }
    const ref = parsed as { q?: unknown; m?: unknown } | null;
    if (!ref || typeof ref.q !== 'string' || typeof ref.m !== 'string' || ref.q !== q.name) throw receiptHandleIsInvalid(handle);
    const message = q.messages.find((m) => m.id === ref.m);
    if (!message) return { stale: false };
    return { message, stale: message.receipt !== handle };
  };

  // ChangeMessageVisibility's rule: only a message in flight (received, still hidden, by its latest
  // receipt) changes; the new timeout counts from this call, as the API reference describes.
  const changeVisibility = (q: Queue, input: RequestFields) => {
    const handle = requireSqsString(input, 'ReceiptHandle');
    const timeout = readSqsInteger(input, 'VisibilityTimeout', 0, 43_200);
    if (timeout === undefined) throw invalidParameterValue('The request must contain the parameter VisibilityTimeout.');
    const { message, stale } = resolveReceipt(q, handle);
    const now = nowMs();
    if (!message || stale || message.receiveCount === 0 || message.visibleAt <= now) throw messageNotInflight();
    message.visibleAt = now + timeout * 1000;
  };

  // A batch call's answer: each entry done on its own, listed as Successful or as Failed with its error.
  const eachEntry = (entries: RequestFields[], act: (entry: RequestFields) => void) => {
    const successful: unknown[] = [];
    const failed: unknown[] = [];
    for (const e of entries) {
      const id = e['Id'] as string;
      try {
        act(e);
        successful.push({ Id: id });
      } catch (err) {
        failed.push(failedEntry(id, err));
      }
    }
    return { Successful: successful, Failed: failed };
  };

  const removeMessage = (q: Queue, handle: string) => {
    const { message, stale } = resolveReceipt(q, handle);
    // AWS: with an old ReceiptHandle "the request will succeed, but the message might not be deleted".
    if (message && !stale) q.messages = q.messages.filter((m) => m !== message);
  };

  const takeVisible = (q: Queue, max: number, visibilitySeconds: number): StoredMessage[] => {
    expire(q);
    const now = ctx.now();
    const taken: StoredMessage[] = [];
    for (const m of q.messages) {
      if (taken.length >= max) break;
      if (m.visibleAt > now.getTime()) continue;
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.visibleAt = now.getTime() + visibilitySeconds * 1000;
      m.receipt = receiptFor(q, m);
      taken.push(m);
    }
    return taken;
  };

  /** Which message attributes a receive asked for: `All`, `.*`, names, or `prefix.*`. */
  const selectAttributes = (m: StoredMessage, wanted: string[]) => {
    const all = wanted.includes('All') || wanted.includes('.*');
    const chosen = Object.entries(m.attributes).filter(
      ([name]) => all || wanted.some((w) => (w.endsWith('.*') ? name.startsWith(w.slice(0, -1)) : w === name)),
    );
    return chosen.length > 0 ? Object.fromEntries(chosen) : undefined;
  };

  const systemAttributes = (m: StoredMessage, wanted: string[]) => {
    const names = wanted.includes('All') ? MESSAGE_SYSTEM_ATTRIBUTES : MESSAGE_SYSTEM_ATTRIBUTES.filter((n) => wanted.includes(n));
    if (names.length === 0) return undefined;
    const values: Record<string, string> = {
      SenderId: SENDER_ID,
      SentTimestamp: String(m.sentAt.getTime()),
      ApproximateReceiveCount: String(m.receiveCount),
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt?.getTime() ?? m.sentAt.getTime()),
    };
    return Object.fromEntries(names.map((n) => [n, values[n]!]));
  };

  const operations: Record<string, Operation> = {
    CreateQueue(input) {
      const name = requireSqsString(input, 'QueueName');
      if (name.endsWith('.fifo')) throw invalidParameterValue("FIFO queues are not emulated by keyroll's local endpoint.");
      if (!QUEUE_NAME.test(name)) {
        throw invalidParameterValue('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
      }
      const attributes = readQueueAttributes(input);
      const tags = readStringMap(input, 'tags') ?? {};
      const existing = queues.get(name);
      if (existing) {
        for (const [k, v] of Object.entries(attributes)) {
          if (existing.attributes[k] !== v) {
            throw new AwsApiError(
              'QueueNameExists',
              `A queue already exists with the same name and a different value for attribute ${k}`,
              400,
              'QueueAlreadyExists',
            );
          }
        }
        return { QueueUrl: urlOf(existing) };
      }
      const defaults = Object.fromEntries(Object.entries(NUMERIC_ATTRIBUTES).map(([k, r]) => [k, String(r.default)]));
      const now = ctx.now();
      const queue: Queue = {
        name,
        arn: `arn:aws:sqs:${ctx.region}:${ctx.accountId}:${name}`,
        attributes: { ...defaults, SqsManagedSseEnabled: 'true', ...attributes },
        tags,
        createdAt: now,
        lastModifiedAt: now,
        messages: [],
      };
      queues.set(name, queue);
      return { QueueUrl: urlOf(queue) };
    },

    GetQueueUrl(input) {
      const name = requireSqsString(input, 'QueueName');
      const owner = readSqsString(input, 'QueueOwnerAWSAccountId');
      const queue = owner === undefined || owner === ctx.accountId ? queues.get(name) : undefined;
      if (!queue) throw queueDoesNotExist();
      return { QueueUrl: urlOf(queue) };
    },

    ListQueues(input) {
      const prefix = readSqsString(input, 'QueueNamePrefix') ?? '';
      const max = readSqsInteger(input, 'MaxResults', 1, 1000) ?? 1000;
      const names = [...queues.keys()].filter((n) => n.startsWith(prefix)).sort().slice(0, max);
      return names.length > 0 ? { QueueUrls: names.map((n) => urlOf(queues.get(n)!)) } : {};
    },

    DeleteQueue(input) {
      const queue = requireQueue(input);
      queues.delete(queue.name);
      return {};
    },

    GetQueueAttributes(input) {
      const queue = requireQueue(input);
      const wanted = readSqsStringList(input, 'AttributeNames') ?? [];
      expire(queue);
      const known = [...Object.keys(NUMERIC_ATTRIBUTES), ...STRING_ATTRIBUTES, ...COMPUTED_ATTRIBUTES];
      for (const n of wanted) if (n !== 'All' && !known.includes(n)) throw invalidAttributeName(n);
      const names = wanted.includes('All') ? known : wanted;
      const out: Record<string, string> = {};
      for (const n of names) {
        if (COMPUTED_ATTRIBUTES.includes(n)) out[n] = computedAttribute(queue, n);
        else if (queue.attributes[n] !== undefined) out[n] = queue.attributes[n]!;
      }
      return Object.keys(out).length > 0 ? { Attributes: out } : {};
    },

    SendMessage(input) {
      const queue = requireQueue(input);
      const { body, attributes, delaySeconds } = readMessage(queue, input);
      return enqueue(queue, body, attributes, delaySeconds);
    },

    SendMessageBatch(input) {
      const queue = requireQueue(input);
      const entries = readBatch(input, 'SendMessageBatchRequestEntry');
      // The batch limit counts the bodies; each entry's own size (attributes included) is checked with it.
      const total = entries.reduce(
        (n, e) => n + messageSize(typeof e['MessageBody'] === 'string' ? e['MessageBody'] : '', {}),
        0,
      );
      if (total > MAX_BATCH_BYTES) throw batchRequestTooLong(MAX_BATCH_BYTES, total);
      const successful: unknown[] = [];
      const failed: unknown[] = [];
      for (const e of entries) {
        const id = e['Id'] as string;
        try {
          const m = readMessage(queue, e);
          successful.push({ Id: id, ...enqueue(queue, m.body, m.attributes, m.delaySeconds) });
        } catch (err) {
          failed.push(failedEntry(id, err));
        }
      }
      return { Successful: successful, Failed: failed };
    },

    async ReceiveMessage(input) {
      const queue = requireQueue(input);
      const max = readSqsInteger(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
      const visibility = readSqsInteger(input, 'VisibilityTimeout', 0, 43_200) ?? Number(queue.attributes['VisibilityTimeout']);
      const waitSeconds = readSqsInteger(input, 'WaitTimeSeconds', 0, 20) ?? Number(queue.attributes['ReceiveMessageWaitTimeSeconds']);
      const systemWanted = [...(readSqsStringList(input, 'MessageSystemAttributeNames') ?? []), ...(readSqsStringList(input, 'AttributeNames') ?? [])];
      const attributesWanted = readSqsStringList(input, 'MessageAttributeNames') ?? [];
      readSqsString(input, 'ReceiveRequestAttemptId');

      const deadline = Date.now() + Math.min(waitSeconds * 1000, maxWaitMs);
      let taken = takeVisible(queue, max, visibility);
      // Long polling: answer as soon as something is visible, or empty at the (short) deadline.
      while (taken.length === 0 && Date.now() < deadline && queues.get(queue.name) === queue) {
        await sleep(Math.min(POLL_INTERVAL_MS, Math.max(1, deadline - Date.now())));
        taken = takeVisible(queue, max, visibility);
      }
      if (taken.length === 0) return {};
      return {
        Messages: taken.map((m) => ({
          MessageId: m.id,
          ReceiptHandle: m.receipt,
          MD5OfBody: m.bodyMd5,
          Body: m.body,
          Attributes: systemAttributes(m, systemWanted),
          MD5OfMessageAttributes: m.attributesMd5,
          MessageAttributes: selectAttributes(m, attributesWanted),
        })),
      };
    },

    DeleteMessage(input) {
      const queue = requireQueue(input);
      removeMessage(queue, requireSqsString(input, 'ReceiptHandle'));
      return {};
    },

    DeleteMessageBatch(input) {
      const queue = requireQueue(input);
      return eachEntry(readBatch(input, 'DeleteMessageBatchRequestEntry'), (e) => removeMessage(queue, requireSqsString(e, 'ReceiptHandle')));
    },

    ChangeMessageVisibility(input) {
      changeVisibility(requireQueue(input), input);
      return {};
    },

    ChangeMessageVisibilityBatch(input) {
      const queue = requireQueue(input);
      return eachEntry(readBatch(input, 'ChangeMessageVisibilityBatchRequestEntry'), (e) => changeVisibility(queue, e));
    },

    PurgeQueue(input) {
      const queue = requireQueue(input);
      const now = Date.now();
      if (queue.lastPurgeAt !== undefined && now - queue.lastPurgeAt < PURGE_INTERVAL_MS) {
        throw new AwsApiError(
          'PurgeQueueInProgress',
          `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
          403,
          'AWS.SimpleQueueService.PurgeQueueInProgress',
        );
      }
      queue.lastPurgeAt = now;
      // Deleting in-flight messages too, at once (AWS takes up to 60 seconds).
      queue.messages = [];
      return {};
    },
  };

  const queueNamed = (nameOrUrl: string): Queue => {
    const queue = nameOrUrl.includes('/') ? queues.get(/\/([^/]+)\/?$/.exec(nameOrUrl)?.[1] ?? '') : queues.get(nameOrUrl);
    if (!queue) throw new Error(`SQS queue ${nameOrUrl} does not exist on the local endpoint`);
    return queue;
  };

  return {
    targetPrefix: 'AmazonSQS',
    name: 'sqs',
    jsonVersion: '1.0',
    queryCompatibleNamespace: 'com.amazonaws.sqs',
    operations,
    queueUrl: (name) => urlOf(queueNamed(name)),
    messagesOf(nameOrUrl) {
      const queue = queueNamed(nameOrUrl);
      expire(queue);
      const now = nowMs();
      return queue.messages.map((m) => ({
        messageId: m.id,
        body: m.body,
        messageAttributes: structuredClone(m.attributes),
        sentAt: m.sentAt,
        receiveCount: m.receiveCount,
        visible: m.visibleAt <= now,
      }));
    },
    deliver(queueName, body) {
      const queue = queues.get(queueName);
      if (!queue) return false;
      enqueue(queue, body, {}, undefined);
      return true;
    },
  };
}
