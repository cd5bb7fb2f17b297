import { createHash } from 'node:crypto';
import { AwsApiError } from './types.js';
import { readField, type RequestFields } from './requestFields.js';

/**
 * SQS's errors and request members, as the query-compatible JSON 1.0 protocol carries them:
 * each error has its JSON `__type` name (QueueDoesNotExist) and the Query-era code the SDK
 * reads from `x-amzn-query-error` (AWS.SimpleQueueService.NonExistentQueue). Messages quote
 * AWS's own text where the API reference gives it ("The specified queue does not exist.").
 */

export const queueDoesNotExist = () =>
  new AwsApiError('QueueDoesNotExist', 'The specified queue does not exist.', 400, 'AWS.SimpleQueueService.NonExistentQueue');

export const invalidParameterValue = (message: string) => new AwsApiError('InvalidParameterValue', message);

export const missingParameter = (key: string) =>
  new AwsApiError('MissingParameter', `The request must contain the parameter ${key}.`);

export const invalidAttributeName = (name: string) => new AwsApiError('InvalidAttributeName', `Unknown Attribute ${name}.`);

export const invalidAttributeValue = (name: string, reason: string) =>
  new AwsApiError('InvalidAttributeValue', `Invalid value for the parameter ${name}. Reason: ${reason}`);

export const receiptHandleIsInvalid = (handle: string) =>
  new AwsApiError('ReceiptHandleIsInvalid', `The input receipt handle "${handle.slice(0, 200)}" is not a valid receipt handle.`, 404);

export const messageNotInflight = () =>
  new AwsApiError(
    'MessageNotInflight',
    'Message does not exist or is not available for visibility timeout change.',
    400,
    'AWS.SimpleQueueService.MessageNotInflight',
  );

/** The batch errors, each checked before any entry is handled. */
export const emptyBatchRequest = (entryType: string) =>
  new AwsApiError(
    'EmptyBatchRequest',
    `There should be at least one ${entryType} in the request.`,
    400,
    'AWS.SimpleQueueService.EmptyBatchRequest',
  );

export const tooManyEntriesInBatchRequest = (count: number) =>
  new AwsApiError(
    'TooManyEntriesInBatchRequest',
    `Maximum number of entries per request are 10. You have sent ${count}.`,
    400,
    'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  );

export const batchEntryIdsNotDistinct = (id: string) =>
  new AwsApiError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`, 400, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');

export const invalidBatchEntryId = () =>
  new AwsApiError(
    'InvalidBatchEntryId',
    'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
    400,
    'AWS.SimpleQueueService.InvalidBatchEntryId',
  );

export const batchRequestTooLong = (max: number, sent: number) =>
  new AwsApiError(
    'BatchRequestTooLong',
    `Batch requests cannot be longer than ${max} bytes. You have sent ${sent} bytes.`,
    400,
    'AWS.SimpleQueueService.BatchRequestTooLong',
  );

/** A member of the wrong JSON type: SQS's JSON protocol answers it as a bad parameter value. */
const mismatch = (key: string, expected: string) => invalidParameterValue(`The parameter ${key} must be ${expected}.`);

const isString = (v: unknown): v is string => typeof v === 'string';
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStructure = (v: unknown): v is RequestFields => v !== null && typeof v === 'object' && !Array.isArray(v);
const isList = (v: unknown): v is unknown[] => Array.isArray(v);

export const readSqsString = (input: RequestFields, key: string) => readField(input, key, isString, 'a string', mismatch);

export function requireSqsString(input: RequestFields, key: string): string {
  const v = readSqsString(input, key);
  if (v === undefined) throw missingParameter(key);
  return v;
}

/**
 * An optional integer within `[min, max]`.
 * @throws InvalidParameterValue in SQS's wording ("Value 11 for parameter MaxNumberOfMessages is invalid. Reason: ...").
 */
export function readSqsInteger(input: RequestFields, key: string, min: number, max: number): number | undefined {
  const v = readField(input, key, isInteger, 'an integer', mismatch);
  if (v !== undefined && (v < min || v > max)) {
    throw invalidParameterValue(`Value ${v} for parameter ${key} is invalid. Reason: Must be between ${min} and ${max}, if provided.`);
  }
  return v;
}

export const readSqsStringList = (input: RequestFields, key: string): string[] | undefined => {
  const list = readField(input, key, isList, 'a list of strings', mismatch);
  if (list === undefined) return undefined;
  if (!list.every(isString)) throw mismatch(key, 'a list of strings');
  return list;
};

export const readSqsStructureList = (input: RequestFields, key: string): RequestFields[] | undefined => {
  const list = readField(input, key, isList, 'a list of structures', mismatch);
  if (list === undefined) return undefined;
  if (!list.every(isStructure)) throw mismatch(key, 'a list of structures');
  return list;
};

/** A map of string to string (queue attributes, tags). */
export function readStringMap(input: RequestFields, key: string): Record<string, string> | undefined {
  const map = readField(input, key, isStructure, 'a map of strings', mismatch);
  if (map === undefined) return undefined;
  for (const v of Object.values(map)) if (!isString(v)) throw mismatch(key, 'a map of strings');
  return map as Record<string, string>;
}

/** One message attribute as SendMessage takes it (BinaryValue base64, as JSON carries blobs). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

const ATTRIBUTE_NAME = /^(?!aws\.|amazon\.)(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/i;
const MAX_MESSAGE_ATTRIBUTES = 10;

/**
 * `MessageAttributes`: at most 10, names of letters, digits, `_ - .` (not starting with `aws.`
 * or `amazon.`), each with a DataType String, Number or Binary (optionally `.label`) and the
 * matching value.
 * @throws InvalidParameterValue naming the attribute.
 */
export function readMessageAttributes(input: RequestFields, key = 'MessageAttributes'): Record<string, MessageAttributeValue> {
  const map = readField(input, key, isStructure, 'a map of message attributes', mismatch) ?? {};
  const names = Object.keys(map);
  if (names.length > MAX_MESSAGE_ATTRIBUTES) {
    throw invalidParameterValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`);
  }
  const out: Record<string, MessageAttributeValue> = {};
  for (const name of names) {
    const raw = map[name];
    if (!ATTRIBUTE_NAME.test(name)) throw invalidParameterValue(`Message attribute name '${name.slice(0, 256)}' is invalid.`);
    if (!isStructure(raw)) throw mismatch(`${key}.${name}`, 'a message attribute value');
    const dataType = readSqsString(raw, 'DataType');
    if (dataType === undefined) throw invalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute type.`);
    const base = /^(String|Number|Binary)(\..+)?$/.exec(dataType)?.[1];
    if (!base) throw invalidParameterValue(`The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    const stringValue = readSqsString(raw, 'StringValue');
    const binaryValue = readSqsString(raw, 'BinaryValue');
    if (base === 'Binary' ? binaryValue === undefined : stringValue === undefined || stringValue === '') {
      throw invalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${base}'.`);
    }
    if (base === 'Number' && !Number.isFinite(Number(stringValue))) {
      throw invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
    out[name] = base === 'Binary' ? { DataType: dataType, BinaryValue: binaryValue! } : { DataType: dataType, StringValue: stringValue! };
  }
  return out;
}

/** The bytes a message counts against MaximumMessageSize: its body plus each attribute's name, type and value. */
export function messageSize(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(a.DataType, 'utf8');
    size += a.BinaryValue !== undefined ? Buffer.from(a.BinaryValue, 'base64').length : Buffer.byteLength(a.StringValue ?? '', 'utf8');
  }
  return size;
}

// The characters the API reference allows in a message: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
const DISALLOWED = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** @throws InvalidMessageContents for a character outside the allowed set, naming it (never the body). */
export function checkMessageBody(body: string): void {
  const bad = DISALLOWED.exec(body);
  if (bad) {
    throw new AwsApiError(
      'InvalidMessageContents',
      `Invalid binary character '#x${bad[0].codePointAt(0)!.toString(16).toUpperCase()}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
}

export const md5Hex = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

/**
 * MD5OfMessageAttributes as SQS computes it: for each attribute in name order, the name, the
 * DataType (each preceded by its 4-byte big-endian length), a transport byte (1 string, 2
 * binary) and the value (length-prefixed too).
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const withLength = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  };
  for (const name of names) {
    const a = attributes[name]!;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(a.DataType, 'utf8'));
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      withLength(Buffer.from(a.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      withLength(Buffer.from(a.StringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}
