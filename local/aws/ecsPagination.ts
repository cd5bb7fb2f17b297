import { invalidParameter } from './ecsErrors.js';

export interface EcsPageRequest {
  maxResults?: number;
  nextToken?: string;
  /** Page size when maxResults is absent (ListServices: 10, ListClusters and ListTaskDefinitions: 100). */
  defaultMax: number;
  /** Largest maxResults accepted (100 for every ECS List operation emulated here). */
  max: number;
}

export interface EcsPage<T> {
  items: T[];
  nextToken?: string;
}

// The token names the last key returned rather than an offset, so deleting or adding
// resources between two pages neither skips nor repeats the ones that remain.
const encodeToken = (key: string) => Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');

function decodeToken(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && typeof (parsed as { after?: unknown }).after === 'string') {
      return (parsed as { after: string }).after;
    }
  } catch {
    // fall through: a token we did not issue
  }
  throw invalidParameter('Invalid nextToken.');
}

/**
 * One page of `items`, which must already be in list order with strictly increasing `keyOf`
 * (or strictly decreasing when `descending`).
 * @throws InvalidParameterException for a maxResults outside 1..max or a token not issued here.
 */
export function paginateEcs<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  request: EcsPageRequest,
  descending = false,
): EcsPage<T> {
  const { maxResults, nextToken, defaultMax, max } = request;
  if (maxResults !== undefined && (maxResults < 1 || maxResults > max)) {
    throw invalidParameter(`maxResults must be between 1 and ${max}.`);
  }
  const size = maxResults ?? defaultMax;
  let rest = items;
  if (nextToken !== undefined) {
    const after = decodeToken(nextToken);
    rest = items.filter((i) => (descending ? keyOf(i) < after : keyOf(i) > after));
  }
  const page = rest.slice(0, size);
  return rest.length > size ? { items: page, nextToken: encodeToken(keyOf(page[page.length - 1]!)) } : { items: page };
}
