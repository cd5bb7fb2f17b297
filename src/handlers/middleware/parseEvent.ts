import type { MiddlewareObj } from '@middy/core';
import type * as z from 'zod/mini';
import { clip, EventShapeError } from '../../errors.js';

export interface ParseEventOptions<S extends z.ZodMiniType> {
  schema: S;
  /** What the event is, for the error message ("rotation event"). */
  name: string;
}

/**
 * Validates `request.event` with a zod schema and replaces it with the parsed value,
 * so the handler receives a typed event. Issues are reported by path and message
 * only: input values never reach the error.
 * @throws EventShapeError naming every problem found.
 */
export function parseEvent<S extends z.ZodMiniType>(options: ParseEventOptions<S>): MiddlewareObj<unknown> {
  if (!options?.schema || typeof options.name !== 'string') {
    throw new TypeError('parseEvent: options.schema and options.name are required');
  }
  const parseEventBefore: NonNullable<MiddlewareObj<unknown>['before']> = (request) => {
    const result = options.schema.safeParse(request.event);
    if (!result.success) {
      // Bounded: a huge or deeply wrong event names its first problems, clipped.
      const issues = result.error.issues;
      const problems = issues
        .slice(0, 10)
        .map((i) => clip(i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
        .join('; ');
      const more = issues.length > 10 ? `; and ${issues.length - 10} more` : '';
      throw new EventShapeError(`invalid ${options.name}: ${problems}${more}`);
    }
    request.event = result.data;
  };
  return { name: 'parseEvent', before: parseEventBefore };
}
