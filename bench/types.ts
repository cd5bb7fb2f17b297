/** What one benchmark reports: named figures (with units in the names) and context. */
export interface BenchResult {
  name: string;
  /** e.g. { durationMs: 68_000, quotaBoundMs: 66_667, ratio: 1.02, putParameterCalls: 1400 } */
  metrics: Record<string, number>;
  /** The conditions the figures were measured under. */
  params?: Record<string, unknown>;
  notes?: string;
}

export type Bench = () => Promise<BenchResult>;
