import { vi } from 'vitest';

/**
 * Captures everything written to stdout/stderr and through console.* until `stop()`:
 * Powertools Logger writes JSON lines to process.stdout, so this sees every log line.
 */
export function captureOutput(): { text(): string; lines(): string[]; stop(): void } {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record as never),
    vi.spyOn(process.stderr, 'write').mockImplementation(record as never),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        record(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') + '\n');
      }),
    ),
  ];
  return {
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter((l) => l.trim() !== ''),
    stop: () => spies.forEach((s) => s.mockRestore()),
  };
}
