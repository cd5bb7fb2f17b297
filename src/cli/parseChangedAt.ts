import { InvalidArgumentError } from 'commander';

/**
 * Parses `--changed-at`: an ISO 8601 timestamp, or `now` (every referencing service counts as
 * not yet running the value).
 * @throws InvalidArgumentError (commander's usage error, exit code 2).
 */
export function parseChangedAt(text: string): Date {
  const date = text === 'now' ? new Date() : new Date(text);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError(`"${text}" is not a timestamp (ISO 8601, e.g. 2025-06-01T12:00:00Z, or "now")`);
  return date;
}

/** The option's help text, shared by plan and redeploy. */
export const CHANGED_AT_HELP =
  'decide services against a change at this time (ISO 8601 or "now"): a service whose deployment started later already runs the value';
