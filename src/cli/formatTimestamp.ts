/** `2025-06-01 14:05Z` (UTC, to the minute), or `-` when absent: short enough for a table cell. */
export function formatTimestamp(date: Date | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return '-';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** Seconds with one decimal, for durations shown to the operator. */
export const formatSeconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
